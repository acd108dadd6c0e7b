package dev.interpreterd.exec;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * Runs jobs on fresh workers, at most {@code slots} at once, with at most {@code queueCapacity}
 * more waiting for a slot. A slot is given back however its execution ended.
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
    private final ControlServer control;
    private final WorkerLauncher launcher;
    private final WorkerSource<?> workers;
    private final Cgroups cgroups;
    private final String isolation;
    private volatile boolean closing;

    /**
     * Opens the control socket in the runner's directory and gets ready to run code: in boxes where
     * the machine allows namespaces and boxes are asked for, else in a fresh interpreter each time.
     *
     * @param python the real interpreter executable
     * @param runner the installed runner script
     * @param cgroups where each box or execution gets its cgroups, {@link Cgroups#NONE} for none;
     *                closed with the service
     * @param settings limits and defaults
     */
    public ExecutionService(Path python, RunnerScript runner, Cgroups cgroups, Settings settings,
                            WorkerEnvironment environment, ObjectMapper json) throws IOException {
        this.slots = settings.slots();
        this.queueCapacity = settings.queueCapacity();
        this.grace = settings.grace();
        this.outputCapBytes = settings.outputCapBytes();
        this.freeSlots = new Semaphore(slots, true);
        this.environment = environment;
        this.cgroups = cgroups;
        this.control = new ControlServer(runner.directory().resolve("control.sock"), json, timer);
        this.launcher = new WorkerLauncher(python, runner.script(), settings.workDir(), environment.base(),
                settings.outputCapBytes(), control);
        BoxPool boxes = settings.boxes() ? boxes(runner, settings) : null;
        if (boxes != null) {
            this.workers = boxes;
            this.isolation = "namespaces";
        } else {
            WorkerSource<SpawnedWorker> source = cgroups.available() ? new CgroupWorkers(launcher, cgroups) : launcher;
            this.workers = settings.warmWorkers() > 0 ? new WarmPool(source, settings.warmWorkers()) : source;
            this.isolation = cgroups.mechanism();
        }
    }

    /** A box per slot, or null with a warning where this machine cannot make boxes. */
    private BoxPool boxes(RunnerScript runner, Settings settings) throws IOException {
        Zygote zygote;
        try {
            zygote = new Zygote(launcher, control, settings.preload());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the zygote", e);
        } catch (IOException e) {
            control.close();
            launcher.close();
            throw e;
        }
        try {
            return new BoxPool(zygote, cgroups, runner.directory(), settings.outputCapBytes(), settings.slots());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            zygote.close();
            throw new IOException("interrupted while making the first box", e);
        } catch (IOException e) {
            zygote.close();
            log.warn("no boxes here ({}): each execution runs in a fresh interpreter, isolated by {} only",
                    e.getMessage(), cgroups.mechanism());
            return null;
        }
    }

    /**
     * The service's limits.
     *
     * @param slots executions running at once
     * @param queueCapacity requests waiting for a slot
     * @param grace wait between the stop signals
     * @param outputCapBytes bytes kept of each output stream
     * @param workDir directory the workers start in
     * @param warmWorkers without boxes: workers kept started ahead; 0 starts each worker on demand
     * @param boxes true to run code in boxes forked from a zygote, where the machine allows it
     * @param preload modules the zygote imports once
     */
    public record Settings(int slots, int queueCapacity, Duration grace, long outputCapBytes, Path workDir,
                           int warmWorkers, boolean boxes, List<String> preload) {

        /** Copies the module list. */
        public Settings {
            preload = List.copyOf(preload);
        }
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
        acquireSlot();
        if (closing) {
            freeSlots.release();
            throw new RejectedException(RejectedException.Reason.SHUTTING_DOWN);
        }
        Execution execution = new Execution(job, workers, environment, timer, grace, outputCapBytes, listener);
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
        if (closing) {
            throw new RejectedException(RejectedException.Reason.SHUTTING_DOWN);
        }
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

    /**
     * How the processes an execution leaves behind are found and killed: {@code cgroup}, a cgroup
     * per execution that is killed as a whole at its end, or {@code subreaper} alone, the runner's
     * supervisor inheriting every orphan of its subtree and killing it before it reports (which it
     * also does with cgroups).
     */
    public String cleanupMechanism() {
        return cgroups.mechanism();
    }

    /**
     * What keeps executions apart: {@code namespaces} (a box each, see {@link BoxPool}), else
     * {@link #cleanupMechanism()}.
     */
    public String isolation() {
        return isolation;
    }

    /** What the cgroups give in each hierarchy, for the start log. */
    public String cgroupDetails() {
        return cgroups.describe();
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

    @Override
    public void close() {
        workers.close();
        control.close();
        launcher.close();
        cgroups.close();
        timer.shutdownNow();
    }
}
