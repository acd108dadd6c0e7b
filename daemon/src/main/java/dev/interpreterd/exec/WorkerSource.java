package dev.interpreterd.exec;

import java.io.IOException;

/** Where an execution gets its worker from: a fresh start, or a pool of workers started ahead. */
interface WorkerSource extends AutoCloseable {

    /** A worker that has not run anything yet and is connecting or connected to the control socket. */
    Worker acquire() throws IOException, InterruptedException;

    /** Stops whatever the source keeps running. */
    @Override
    void close();
}
