package dev.interpreterd.host;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What the start found out about this machine, once, for every part of the daemon that needs it:
 * the interpreter the code runs with, who runs it and where, and what keeps executions apart.
 *
 * @param python the interpreter the code runs with
 * @param user who the code runs as
 * @param workDir where code that names no {@code cwd} starts
 * @param isolation what keeps executions apart
 * @param cleanup how what an execution leaves behind is found
 * @param networkIsolation whether an execution can get a network namespace of its own
 */
public record Host(PythonLocator.Python python, WorkerUser user, Path workDir, Isolation isolation, Cleanup cleanup,
                   boolean networkIsolation) {

    /** Rejects missing values. */
    public Host {
        Objects.requireNonNull(python, "python");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(isolation, "isolation");
        Objects.requireNonNull(cleanup, "cleanup");
    }
}
