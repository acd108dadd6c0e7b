package dev.interpreterd.exec;

/** Where an execution that names a context gets its turn in that context. */
@FunctionalInterface
public interface ContextSource {

    /** No contexts at all: every id is unknown. */
    ContextSource NONE = id -> {
        throw new IllegalStateException("no contexts here");
    };

    /** Waits for the context's turn, in arrival order, and leases it to one execution. */
    Worker lease(String id) throws InterruptedException;
}
