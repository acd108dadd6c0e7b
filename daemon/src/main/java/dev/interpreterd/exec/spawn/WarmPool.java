package dev.interpreterd.exec.spawn;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.Stock;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.launch.SpawnedWorker;
import dev.interpreterd.exec.output.CappedOutput;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Keeps {@code size} workers started ahead, their interpreter loaded and connected, each waiting for
 * its one job. A worker taken from the pool is replaced in the background; when the pool is empty
 * a worker is started on the spot. Pool workers start exactly like fresh ones (base environment,
 * the work dir) and get the job's environment and directory when the job arrives, so an execution
 * cannot tell where its worker came from.
 */
public final class WarmPool implements WorkerSource<Worker> {


    private final Stock<SpawnedWorker> workers;

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

    /** One execution's use of a pooled worker: everything goes to the worker, and its end refills the pool. */
    private final class Lease implements Worker {

        private final SpawnedWorker worker;

        Lease(SpawnedWorker worker) {
            this.worker = worker;
        }

        @Override
        public CappedOutput stdout() {
            return worker.stdout();
        }

        @Override
        public CappedOutput stderr() {
            return worker.stderr();
        }

        @Override
        public ControlConnection awaitConnection(Duration timeout) throws IOException, InterruptedException {
            return worker.awaitConnection(timeout);
        }

        @Override
        public void limit(Limits limits) throws IOException {
            worker.limit(limits);
        }

        @Override
        public void codeStarted(long pid) {
            worker.codeStarted(pid);
        }

        @Override
        public void reported(Frame.Exit exit) {
            worker.reported(exit);
        }

        @Override
        public OptionalInt awaitSupervisorExit(Duration timeout) throws InterruptedException {
            return worker.awaitSupervisorExit(timeout);
        }

        @Override
        public void endExecution() {
            worker.endExecution();
        }

        @Override
        public boolean awaitOutputEnd(Duration timeout) throws InterruptedException {
            return worker.awaitOutputEnd(timeout);
        }

        @Override
        public void signalCode(Signal signal) {
            worker.signalCode(signal);
        }

        @Override
        public void killSupervisor() {
            worker.killSupervisor();
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
