package dev.interpreterd.exec;

import java.io.IOException;

/** Where an execution gets its worker from: a box, a fresh start, or a pool of workers started ahead. */
public interface WorkerSource<W extends Worker> extends AutoCloseable {

    /** A worker that has not run anything yet and is connecting or connected to the control socket. */
    W acquire() throws IOException, InterruptedException;

    /**
     * A worker made now, for a job whose first worker died before the code started: one kept ready
     * may have died with it (a box, with its zygote).
     */
    default W acquireFresh() throws IOException, InterruptedException {
        return acquire();
    }

    /** Stops whatever the source keeps running. */
    @Override
    void close();
}
