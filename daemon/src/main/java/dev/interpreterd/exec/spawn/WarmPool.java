package dev.interpreterd.exec.spawn;

import dev.interpreterd.exec.JobChannel;
import dev.interpreterd.exec.Stock;
import dev.interpreterd.exec.Stoppable;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.launch.SpawnedWorker;
import dev.interpreterd.exec.output.CodeOutput;
import java.io.IOException;

/**
 * Keeps {@code size} workers started ahead, their interpreter loaded and connected, each waiting for
 * its one job. A worker taken from the pool is replaced in the background; when the pool is empty
 * a worker is started on the spot. Pool workers start exactly like fresh ones (base environment,
 * the work dir) and get the job's environment and directory when the job arrives, so an execution
 * cannot tell where its worker came from.
 */
public final class WarmPool implements WorkerSource<Worker> {

    private final Stock<SpawnedWorker> workers;

    /** Starts {@code size} workers from {@code launcher} in the background. */
    public WarmPool(WorkerSource<SpawnedWorker> launcher, int size) {
        this.workers = new Stock<>("a warm worker", size, launcher::acquire, SpawnedWorker::isUsable, false);
        workers.fill();
    }

    /**
     * A lease on a pooled worker, or on a new one when the pool is empty. The worker's replacement is
     * started when the lease is closed, at the execution's end, so that starting it does not compete
     * for the CPU with the execution itself.
     */
    @Override
    public Worker acquire() throws IOException, InterruptedException {
        return new Lease(workers.take());
    }

    @Override
    public Worker acquireFresh() throws IOException, InterruptedException {
        return new Lease(workers.takeFresh());
    }

    /** One execution's use of a pooled worker: its parts are the worker's, and its end refills the pool. */
    private final class Lease implements Worker {

        private final SpawnedWorker worker;

        Lease(SpawnedWorker worker) {
            this.worker = worker;
        }

        @Override
        public CodeOutput output() {
            return worker.output();
        }

        @Override
        public JobChannel channel() {
            return worker.channel();
        }

        @Override
        public Stoppable stopper() {
            return worker.stopper();
        }

        @Override
        public void endExecution() {
            worker.endExecution();
        }

        /** A worker serves one execution: it is closed, and the pool starts another. */
        @Override
        public void close() {
            workers.giveBack(worker, false);
        }
    }

    /** Stops starting workers and ends the idle ones. */
    @Override
    public void close() {
        workers.close();
    }
}
