package dev.interpreterd.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.ProcessResult;

/**
 * A short program the daemon runs to find something out about this machine, bounded in time: its
 * exit value and its output, stdout and stderr together. Every start-up check runs through here.
 *
 * @param exitValue the program's exit value
 * @param lines what it printed, line by line
 */
public record Probe(int exitValue, List<String> lines) {

    /** Copies the lines. */
    public Probe {
        lines = List.copyOf(lines);
    }

    /**
     * Runs {@code command} in {@code directory} ({@code null}: the daemon's own).
     *
     * @param what what is being found out, for the message of a failure: "resolving python3"
     * @throws IOException naming {@code what} when the program cannot be started, takes longer than
     *                     {@code timeout}, or the wait is interrupted
     */
    public static Probe run(String what, Duration timeout, Path directory, List<String> command) throws IOException {
        try {
            ProcessResult result = new ProcessExecutor(command)
                    .directory(directory == null ? null : directory.toFile())
                    .readOutput(true)
                    .redirectErrorStream(true)
                    .exitValueAny()
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .execute();
            return new Probe(result.getExitValue(), result.getOutput().getLinesAsUTF8());
        } catch (TimeoutException e) {
            throw new IOException(what + " took longer than " + timeout.toSeconds() + " seconds", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        } catch (IOException e) {
            throw new IOException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** The executable {@code name} in a directory of {@code PATH}, if there is one. */
    public static Optional<Path> onPath(String name) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** True when the program exited with 0. */
    public boolean succeeded() {
        return exitValue == 0;
    }

    /** The output on one line, for a message. */
    public String text() {
        return String.join(" ", lines).strip();
    }
}
