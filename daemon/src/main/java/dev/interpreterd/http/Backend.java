package dev.interpreterd.http;

import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.PythonLocator;
import dev.interpreterd.user.WorkerUser;
import java.nio.file.Path;

/**
 * What the HTTP routes serve from, known once the daemon can run code: the executions and contexts,
 * and what the start found out about this machine.
 *
 * @param python the interpreter the code runs with
 * @param networkIsolation whether {@code "network": false} can be honoured here
 * @param user who the code runs as
 * @param workDir where code that names no {@code cwd} starts
 */
public record Backend(ExecutionService executions, Contexts contexts, PythonLocator.Python python,
                      boolean networkIsolation, WorkerUser user, Path workDir) {
}
