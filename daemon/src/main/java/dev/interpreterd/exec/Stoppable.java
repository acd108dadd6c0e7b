package dev.interpreterd.exec;

import dev.interpreterd.os.Signal;

/**
 * What stops an execution's code: signals to the code's process group, and the supervisor's death as a
 * last resort. {@link Escalation} acts on it.
 */
public interface Stoppable {

    /** Nothing to stop. */
    Stoppable NONE = new Stoppable() {
        @Override
        public void signalCode(Signal signal) {
        }

        @Override
        public void killSupervisor() {
        }
    };

    /** Sends a signal to every process of the code's group. */
    void signalCode(Signal signal);

    /** Kills the code's group and the supervisor with SIGKILL. */
    void killSupervisor();
}
