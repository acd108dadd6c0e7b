package dev.interpreterd.exec;

import dev.interpreterd.config.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One execution as the daemon will run it.
 *
 * @param code the Python source, run as the body of a fresh {@code __main__}
 * @param envs the request's extra environment variables
 * @param cwd the directory the code starts in
 * @param timeout wall-clock limit before the daemon stops the code
 * @param limits resource limits of the process that runs the code
 * @param network false to give the code a network namespace of its own, with no way out
 * @param contextId the context to run in; empty for a fresh interpreter
 */
public record Job(String code, Map<String, String> envs, Path cwd, Duration timeout, Limits limits,
                  boolean network, Optional<String> contextId) {

    /** Copies the map and rejects missing values. */
    public Job {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(cwd, "cwd");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(limits, "limits");
        envs = Map.copyOf(envs);
        Objects.requireNonNull(contextId, "contextId");
    }
}
