package dev.interpreterd.exec;

/** A job the service will not take now; the caller may try again later. */
public final class RejectedException extends RuntimeException {

    /** Why the job was refused. */
    public enum Reason {
        /** Every slot is taken and the wait queue is full. */
        BUSY,
        /** The daemon is stopping. */
        SHUTTING_DOWN
    }

    private final Reason reason;

    RejectedException(Reason reason) {
        super(reason == Reason.BUSY ? "all worker slots are busy and the wait queue is full"
                : "the daemon is shutting down");
        this.reason = reason;
    }

    /** Why the job was refused. */
    public Reason reason() {
        return reason;
    }
}
