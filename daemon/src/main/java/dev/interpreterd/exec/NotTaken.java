package dev.interpreterd.exec;

import java.io.IOException;

/**
 * The worker died before the code started: the send failed, or its connection ended with neither
 * a start nor an exit frame, and the daemon had not begun to stop it. Another worker may take the job.
 */
final class NotTaken extends Exception {

    /** Why the worker could not take the job. */
    final IOException failure;

    NotTaken(IOException failure) {
        super(failure.getMessage(), failure, false, false);
        this.failure = failure;
    }
}
