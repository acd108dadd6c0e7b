package dev.interpreterd.exec;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.control.Frame;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * One execution's channel to its runner: it alone hands over the job, its limits first, and reads
 * the frames that come back, noting what they mean for its worker (the code started, the runner
 * reported); and it tells what became of the runner.
 */
public interface JobChannel {

    /** Waits until the runner is connected and ready for the job. */
    void awaitReady(Duration timeout) throws IOException, InterruptedException;

    /**
     * The execution was stopped before its job was sent, and none will be: a fresh child's runner is
     * told by closing its connection, and exits; a context's interpreter stays as it is.
     */
    void withdraw();

    /** Applies the job's limits to the execution's cgroup, if it has one. */
    void limit(Limits limits) throws IOException;

    /** Hands the job to the runner. */
    void send(JobOrder order) throws IOException;

    /**
     * Blocks until the runner's next frame: after the job, a {@link Frame.Started} when the child took
     * it, and last a {@link Frame.Exit} when the code and everything it started are dead and reaped
     * (or, in a context, the child reported and lives on).
     *
     * @throws java.io.EOFException when the runner closed the connection
     */
    Frame read() throws IOException;

    /** The runner's own exit value once it has exited, or empty if unknown after the wait. */
    OptionalInt awaitRunnerExit(Duration timeout) throws InterruptedException;

    /** True once the execution has cost a context its state: the interpreter must be, or was, replaced. */
    default boolean contextRestarted() {
        return false;
    }
}
