package dev.interpreterd;

import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.PythonLocator;
import dev.interpreterd.host.RunnerScript;
import dev.interpreterd.http.Backend;
import dev.interpreterd.user.WorkerUser;
import java.nio.file.Path;

/**
 * What a successful start made and found out: the runner, what runs the code, the execution
 * service, and the facts HTTP serves from. Closing it ends the executions, the runners and the
 * runner's directory, in that order.
 *
 * @param python the interpreter the code runs with
 * @param networkIsolation whether executions can get a network namespace of their own
 * @param user who the code runs as
 * @param workDir where code that names no cwd starts
 */
record Booted(RunnerScript runner, Runners runners, ExecutionService executions, PythonLocator.Python python,
              boolean networkIsolation, WorkerUser user, Path workDir) implements AutoCloseable {

    /** What the HTTP routes serve from. */
    Backend backend() {
        return new Backend(executions, runners.contexts(), python, networkIsolation, user, workDir);
    }

    /** Ends the executions, the runners and the runner's directory; call once HTTP takes no more requests. */
    @Override
    public void close() {
        executions.close();
        runners.close();
        runner.close();
    }
}
