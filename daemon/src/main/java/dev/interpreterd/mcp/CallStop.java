package dev.interpreterd.mcp;

import dev.interpreterd.exec.ExecutionListener;

/**
 * How one {@code tools/call} is cancelled: through its execution's stopper once the code runs, and
 * for a call still waiting for its interpreter, as soon as the code starts. A cancel after the call
 * has ended does nothing.
 */
final class CallStop {

    /** Guarded by this. */
    private ExecutionListener.Stopper stopper;
    /** Why the call was cancelled before its code started; guarded by this. */
    private String cancelled;
    /** Guarded by this. */
    private boolean ended;

    /** The call's code starts and can be stopped through {@code running}; at once if it was cancelled while it waited. */
    synchronized void started(ExecutionListener.Stopper running) {
        stopper = running;
        if (cancelled != null) {
            running.stop(cancelled);
        }
    }

    /** Stops the call as its timeout would, giving {@code reason}; or, while it waits, as soon as it starts. */
    synchronized void cancel(String reason) {
        if (ended) {
            return;
        }
        if (stopper != null) {
            stopper.stop(reason);
        } else if (cancelled == null) {
            cancelled = reason;
        }
    }

    /** The call has ended: a cancel from now on has nothing to stop. */
    synchronized void ended() {
        ended = true;
    }
}
