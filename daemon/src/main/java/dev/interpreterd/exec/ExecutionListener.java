package dev.interpreterd.exec;

/**
 * Hears an execution as it happens, for streaming answers. Calls come from several threads, in
 * the order each stream produced them; {@link #NONE} ignores everything.
 */
public interface ExecutionListener {

    /** A listener that ignores everything, for plain JSON answers. */
    ExecutionListener NONE = new ExecutionListener() { };

    /** The execution has an id and can be stopped through {@code stopper}, e.g. when the client leaves. */
    default void started(String sessionId, Stopper stopper) {
    }

    /** Text the code wrote to stdout, decoded; never past the output cap. */
    default void stdout(String text) {
    }

    /** Text the code wrote to stderr, decoded; never past the output cap. */
    default void stderr(String text) {
    }

    /** A result or display, once it is kept. */
    default void output(Output output) {
    }

    /** Stops a running execution as if its timeout had fired. */
    interface Stopper {

        /** Starts the SIGINT, SIGTERM, SIGKILL escalation now, giving the reason in the error. */
        void stop(String reason);
    }
}
