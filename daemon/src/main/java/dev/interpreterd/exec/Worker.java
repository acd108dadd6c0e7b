package dev.interpreterd.exec;

import dev.interpreterd.exec.output.CodeOutput;
import java.time.Duration;

/**
 * What one execution runs on: a runner ready for one job, seen through its three parts, the code's
 * output, the channel to the runner and what stops the code. A supervisor started afresh
 * ({@code SpawnedWorker}), one started ahead and leased from a warm pool ({@code WarmPool}), a lease
 * on a box ({@code BoxLease}), or a context's turn ({@code ContextLease}). Closing it ends whatever of
 * the execution is left.
 */
public interface Worker extends AutoCloseable {

    /** How long a starting runner may take to connect; python itself starts in tens of milliseconds. */
    Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    /** What the code writes to fd 1 and fd 2. */
    CodeOutput output();

    /** The one conversation with the runner about the job. */
    JobChannel channel();

    /** What stops the code, and the supervisor as a last resort. */
    Stoppable stopper();

    /** Kills whatever of the execution is still alive, before its output is awaited. */
    void endExecution();

    /** Ends what is left of the worker; for a box, hands it back or replaces it. */
    @Override
    void close();
}
