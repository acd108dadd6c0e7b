package dev.interpreterd.host;

import dev.interpreterd.host.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Finds the real interpreter behind a name such as {@code python3}, which may be a slow shim. */
public final class PythonLocator {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private PythonLocator() {
    }

    /**
     * The interpreter's real executable and its version.
     *
     * @param executable the absolute path that workers are started with
     * @param version e.g. {@code 3.11.7}
     */
    public record Python(Path executable, String version) {
    }

    /**
     * Runs the interpreter once and asks it for {@code sys.executable}.
     *
     * @throws IOException with a sentence naming the interpreter if it cannot be run
     */
    public static Python resolve(String python) throws IOException {
        Probe probe = Probe.run("running python interpreter '" + python + "'", TIMEOUT, null,
                List.of(python, "-c", "import sys; print(sys.executable); print(sys.version.split()[0])"));
        List<String> lines = probe.lines();
        if (!probe.succeeded() || lines.size() < 2) {
            throw new IOException("python interpreter '" + python + "' exited with code " + probe.exitValue()
                    + ": " + probe.text());
        }
        Path executable = Path.of(lines.get(lines.size() - 2).strip());
        if (!executable.isAbsolute() || !Files.isExecutable(executable)) {
            throw new IOException("python interpreter '" + python + "' reports an unusable sys.executable: " + executable);
        }
        return new Python(executable, lines.get(lines.size() - 1).strip());
    }
}
