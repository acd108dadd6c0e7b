package dev.interpreterd.exec;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CappedOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one execution runs on: a runner process ready for one job, with its captured output and its
 * control connection. A supervisor started afresh ({@code SpawnedWorker}), one started ahead and
 * leased from a warm pool ({@code WarmPool}), a lease on a box ({@code BoxLease}), or a context's
 * turn ({@code ContextLease}). Closing it ends whatever of the execution is left.
 */
public interface Worker extends Stoppable, AutoCloseable {

    /** How long a starting runner may take to connect; python itself starts in tens of milliseconds. */
    Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    /** What the code writes to fd 1. */
    CappedOutput stdout();

    /** What the code writes to fd 2. */
    CappedOutput stderr();

    /** Waits until the runner is connected and ready for the job. */
    ControlConnection awaitConnection(Duration timeout) throws IOException, InterruptedException;

    /**
     * The execution was stopped before its job was sent, and none will be: a fresh child's runner is
     * told by closing {@code control}, and exits; a context's interpreter stays as it is.
     */
    default void withdraw(ControlConnection control) {
        control.close();
    }

    /**
     * The frame that hands {@code job} to the runner: a {@link Frame.RunJob} for a fresh child, with
     * the named pipes it opens as fd 1 and 2 where its runner does not already hold the code's output.
     *
     * @param env the job's whole environment: the allow-listed variables and the request's envs
     * @param limits the job's limits, CPU time included, as the runner reads them
     */
    default Frame jobFrame(Job job, Map<String, String> env, Map<String, Long> limits, Map<String, Object> user) {
        return new Frame.RunJob(job.code(), env, job.cwd().toString(), limits, job.network(), user,
                outputPipe(1).orElse(null), outputPipe(2).orElse(null), warmNext().orElse(null));
    }

    /**
     * The named pipe the child must open as file descriptor {@code fd} (1 or 2), for a worker whose
     * runner does not already hold its output; empty when the runner's own output is the code's.
     */
    default Optional<String> outputPipe(int fd) {
        return Optional.empty();
    }

    /** For a box: whether the child it forks after this job should warm up while it waits; empty: no opinion. */
    default Optional<Boolean> warmNext() {
        return Optional.empty();
    }

    /** Applies the job's limits to the execution's cgroup, if it has one. */
    void limit(Limits limits) throws IOException;

    /** The child that runs the code has taken the job; {@code pid} is its pid as the runner sees it. */
    void codeStarted(long pid);

    /**
     * The runner sent its exit frame: the code and everything it started are dead and reaped, or for
     * a context, the child reported and lives on ({@code exit.alive()}).
     */
    void reported(Frame.Exit exit);

    /** True once the execution has cost a context its state: the interpreter must be, or was, replaced. */
    default boolean contextRestarted() {
        return false;
    }

    /** The runner's own exit value once it has exited, or empty if unknown after the wait. */
    OptionalInt awaitSupervisorExit(Duration timeout) throws InterruptedException;

    /** Kills whatever of the execution is still alive, before its output is awaited. */
    void endExecution();

    /** Waits until both output pipes reached their end; false if something still held them at the deadline. */
    boolean awaitOutputEnd(Duration timeout) throws InterruptedException;

    /** Ends what is left of the worker; for a box, hands it back or replaces it. */
    @Override
    void close();
}
