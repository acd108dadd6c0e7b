package dev.interpreterd.exec;

import dev.interpreterd.os.Signal;

/** What {@link Escalation} acts on: the code's process group, and the supervisor as a last resort. */
public interface Stoppable {

    /** Sends a signal to every process of the code's group. */
    void signalCode(Signal signal);

    /** Kills the code's group and the supervisor with SIGKILL. */
    void killSupervisor();
}
