package dev.interpreterd;

import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.Host;
import dev.interpreterd.host.RunnerScript;
import dev.interpreterd.http.Backend;
import dev.interpreterd.units.Clock;

/**
 * What a successful start made and found out: the runner, what runs the code, the execution
 * service, the clock idle timeouts are decided on, and the facts about this machine. Closing it ends the executions, the runners and the
 * runner's directory, in that order.
 */
record Booted(RunnerScript runner, Runners runners, ExecutionService executions, Clock clock, Host host) implements AutoCloseable {

    /** What the HTTP routes serve from. */
    Backend backend() {
        return new Backend(executions, runners.contexts(), host, clock);
    }

    /** Ends the executions, the runners and the runner's directory; call once HTTP takes no more requests. */
    @Override
    public void close() {
        executions.close();
        runners.close();
        runner.close();
    }
}
