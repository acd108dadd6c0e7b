package dev.interpreterd.exec;

/** Where an execution that names a context gets its turn in that context. */
@FunctionalInterface
public interface ContextSource {

    /** Waits for the context's turn, in arrival order, and leases it to one execution. */
    Worker lease(String id) throws InterruptedException;
}
