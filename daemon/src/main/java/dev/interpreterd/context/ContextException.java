package dev.interpreterd.context;

/** A request about contexts that cannot be met: the HTTP layer answers it with its own status. */
public final class ContextException extends RuntimeException {

    /** Why. */
    public enum Reason {
        /** No context has that id, or it has ended. */
        NOT_FOUND,
        /** As many contexts live as {@code --max-contexts} allows, or memory is short, and none can be reclaimed. */
        TOO_MANY,
        /** As many executions wait for the context's turn as {@code --context-queue} allows. */
        BUSY,
        /** This daemon cannot make boxes, which contexts live in. */
        UNAVAILABLE,
        /** The context's interpreter could not start with what it was given, e.g. a directory its user may not enter. */
        NOT_STARTED
    }

    private final Reason reason;

    ContextException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why the request cannot be met. */
    public Reason reason() {
        return reason;
    }
}
