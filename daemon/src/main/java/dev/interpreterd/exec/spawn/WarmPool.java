package dev.interpreterd.exec.spawn;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CappedOutput;
import dev.interpreterd.os.Signal;
import dev.interpreterd.os.Threads;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code size} workers started ahead, their interpreter loaded and connected, each waiting for
 * its one job. A worker taken from the pool is replaced in the background; when the pool is empty
 * a worker is started on the spot. Pool workers start exactly like fresh ones (base environment,
 * the work dir) and get the job's environment and directory when the job arrives, so an execution
 * cannot tell where its worker came from.
 */
public final class WarmPool implements WorkerSource<Worker> {

    private static final Logger log = LoggerFactory.getLogger(WarmPool.class);

    private final WorkerSource<SpawnedWorker> launcher;
    private final BlockingQueue<SpawnedWorker> ready;
    private final int size;
    /** Refills queued or starting; with the ready ones they never exceed the pool's size. */
    private final AtomicInteger pending = new AtomicInteger();
    private final ExecutorService refiller = Executors.newSingleThreadExecutor(Threads.named("interpreterd-pool"));
    private volatile boolean closed;

    public WarmPool(WorkerSource<SpawnedWorker> launcher, int size) {
        this.launcher = launcher;
        this.ready = new ArrayBlockingQueue<>(size);
        this.size = size;
        for (int i = 0; i < size; i++) {
            refill();
        }
    }

    /**
     * A lease on a pooled worker, or on a new one when the pool is empty. The worker's replacement is
     * started when the lease is closed, at the execution's end, so that starting it does not compete
     * for the CPU with the execution itself.
     */
    @Override
    public Worker acquire() throws IOException, InterruptedException {
        for (SpawnedWorker worker; (worker = ready.poll()) != null; ) {
            if (worker.isUsable()) {
                return new Lease(worker);
            }
            worker.close(); // died while idle, e.g. killed from outside; replace it and try the next
            refill();
        }
        return new Lease(launcher.acquire());
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

        @Override
        public void close() {
            worker.close();
            refill();
        }
    }

    /** Starts one more worker for the pool, unless the ready and starting ones already fill it. */
    private void refill() {
        if (closed) {
            return;
        }
        if (pending.incrementAndGet() + ready.size() > size) {
            pending.decrementAndGet();
            return;
        }
        refiller.execute(() -> {
            try {
                SpawnedWorker worker = launcher.acquire();
                if (closed || !ready.offer(worker)) {
                    worker.close();
                }
            } catch (IOException e) {
                log.warn("could not start a warm worker: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pending.decrementAndGet();
            }
        });
    }

    /** Stops refilling and ends the idle workers. */
    @Override
    public void close() {
        closed = true;
        refiller.shutdownNow();
        for (SpawnedWorker worker; (worker = ready.poll()) != null; ) {
            worker.close();
        }
    }
}
