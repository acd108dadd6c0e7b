package dev.interpreterd.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.ProcessResult;

/** Finds the real interpreter behind a name such as {@code python3}, which may be a slow shim. */
public final class PythonLocator {

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
        ProcessResult result;
        try {
            result = new ProcessExecutor(python, "-c", "import sys; print(sys.executable); print(sys.version.split()[0])")
                    .readOutput(true)
                    .redirectErrorStream(true)
                    .timeout(30, TimeUnit.SECONDS)
                    .execute();
        } catch (IOException | TimeoutException e) {
            throw new IOException("python interpreter '" + python + "' could not be run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while resolving python interpreter '" + python + "'", e);
        }
        List<String> lines = result.getOutput().getLinesAsUTF8();
        if (result.getExitValue() != 0 || lines.size() < 2) {
            throw new IOException("python interpreter '" + python + "' exited with code " + result.getExitValue()
                    + ": " + String.join(" ", lines));
        }
        Path executable = Path.of(lines.get(lines.size() - 2).strip());
        if (!executable.isAbsolute() || !Files.isExecutable(executable)) {
            throw new IOException("python interpreter '" + python + "' reports an unusable sys.executable: " + executable);
        }
        return new Python(executable, lines.get(lines.size() - 1).strip());
    }
}
