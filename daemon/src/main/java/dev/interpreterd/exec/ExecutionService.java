package dev.interpreterd.exec;

import dev.interpreterd.os.Threads;
import dev.interpreterd.units.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs on workers (a fresh child in a box, or a freshly started interpreter) or in contexts,
 * at most {@code slots} at once, with at most
 * {@code queueCapacity} more waiting for a slot. A job for a context first waits for the context's
 * turn, which holds no slot; a slot is held only from then until the execution ends, however it ends.
 */
public final class ExecutionService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExecutionService.class);

    private final int slots;
    private final int queueCapacity;
    private final Duration grace;
    private final long outputCapBytes;
    private final Semaphore freeSlots;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Set<Execution> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-timer"));
    private final WorkerEnvironment environment;
    private final WorkerSource<?> workers;
    private final ContextSource contexts;
    private volatile boolean closing;

    /** Gets ready to run code on {@code workers}, or in a context of {@code contexts} for a job that names one. */
    public ExecutionService(WorkerSource<?> workers, ContextSource contexts, Settings settings,
                            WorkerEnvironment environment) {
        this.slots = settings.slots();
        this.queueCapacity = settings.queueCapacity();
        this.grace = settings.grace();
        this.outputCapBytes = settings.outputCapBytes();
        this.freeSlots = new Semaphore(slots, true);
        this.environment = environment;
        this.workers = workers;
        this.contexts = contexts;
    }

    /**
     * The service's limits.
     *
     * @param slots executions running at once
     * @param queueCapacity requests waiting for a slot
     * @param grace wait between the stop signals
     * @param outputCapBytes bytes kept of each output stream, and characters of rich results
     */
    public record Settings(int slots, int queueCapacity, Duration grace, long outputCapBytes) {
    }

    /**
     * Runs a job and waits for its result.
     *
     * @throws RejectedException when the queue is full or the daemon is shutting down
     * @throws IOException when no worker could be started (a broken interpreter, not the code's fault)
     */
    public ExecutionResult execute(Job job) throws IOException, InterruptedException {
        return execute(job, ExecutionListener.NONE);
    }

    /**
     * Runs a job, telling {@code listener} about its output as it comes, and waits for its result.
     *
     * @throws RejectedException when the queue is full or the daemon is shutting down
     * @throws IOException when no worker could be started (a broken interpreter, not the code's fault)
     */
    public ExecutionResult execute(Job job, ExecutionListener listener) throws IOException, InterruptedException {
        if (closing) {
            throw new RejectedException(RejectedException.Reason.SHUTTING_DOWN);
        }
        // A job for a context waits for the context's turn first, holding no slot while it waits.
        Worker turn = job.contextId().isPresent() ? contexts.lease(job.contextId().get()) : null;
        try {
            acquireSlot();
        } catch (InterruptedException | RuntimeException e) {
            if (turn != null) {
                turn.close();
            }
            throw e;
        }
        if (closing) {
            freeSlots.release();
            if (turn != null) {
                turn.close();
            }
            throw new RejectedException(RejectedException.Reason.SHUTTING_DOWN);
        }
        WorkerSource<?> source = turn == null ? workers : new WorkerSource<Worker>() {
            @Override
            public Worker acquire() {
                return turn;
            }

            @Override
            public void close() {
                // A context outlives its executions.
            }
        };
        Execution execution = new Execution(job, source, environment, timer, grace, outputCapBytes, listener);
        running.add(execution);
        try {
            if (closing) {
                // shutdown() began after the check above and may not have seen this execution.
                execution.interrupt("the daemon is shutting down");
            }
            return execution.run();
        } finally {
            running.remove(execution);
            freeSlots.release();
        }
    }

    private void acquireSlot() throws InterruptedException {
        if (freeSlots.tryAcquire()) {
            return;
        }
        if (waiting.incrementAndGet() > queueCapacity) {
            waiting.decrementAndGet();
            throw new RejectedException(RejectedException.Reason.BUSY);
        }
        try {
            freeSlots.acquire();
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** Executions running now. */
    public int running() {
        return running.size();
    }

    /** Requests waiting for a slot. */
    public int queued() {
        return waiting.get();
    }

    /** The number of slots. */
    public int slots() {
        return slots;
    }

    /**
     * Refuses new jobs, interrupts running ones (they answer {@code interrupted}) and waits for them,
     * at most through the whole SIGINT, SIGTERM, SIGKILL escalation.
     */
    public void shutdown() throws InterruptedException {
        closing = true;
        running.forEach(e -> e.interrupt("the daemon is shutting down"));
        Deadline deadline = Deadline.after(grace.multipliedBy(4).plusSeconds(1));
        while (!running.isEmpty() && !deadline.passed()) {
            // Each finished execution hands back its slot; wait for all of them or the deadline.
            if (freeSlots.tryAcquire(slots, Math.max(1, deadline.remainingNanos()), TimeUnit.NANOSECONDS)) {
                freeSlots.release(slots);
                break;
            }
        }
        if (!running.isEmpty()) {
            log.warn("{} executions still running at shutdown", running.size());
        }
    }

    /** Stops the service's own timer; the workers belong to whoever made them. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
