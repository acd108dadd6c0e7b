package dev.interpreterd.exec;

import java.io.IOException;

/** Where an execution gets its worker from: a box, a fresh start, or a pool of workers started ahead. */
public interface WorkerSource<W extends Worker> extends AutoCloseable {

    /** A worker that has not run anything yet and is connecting or connected to the control socket. */
    W acquire() throws IOException, InterruptedException;

    /** Stops whatever the source keeps running. */
    @Override
    void close();
}
