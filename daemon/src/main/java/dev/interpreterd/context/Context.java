package dev.interpreterd.context;

import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.box.Box;
import dev.interpreterd.exec.box.Zygote;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.MarkedOutput;
import dev.interpreterd.exec.output.OutputPumps;
import dev.interpreterd.os.NamedPipe;
import dev.interpreterd.units.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One context: a box whose one child keeps its interpreter between executions, and the two pipes
 * it writes to for as long as it lives. Executions take turns in arrival order. When an execution
 * costs the interpreter its life, the context gets a new box and an empty interpreter.
 */
final class Context {

    /** How long a box may take to start, and to end once killed. */
    private static final Duration BOX_TIMEOUT = Duration.ofSeconds(30);

    private final String id;
    private final ContextSettings settings;
    private final boolean reclaimable;
    private final Clock clock;
    private final Instant createdAt;
    /** Fair, so executions sent at the same time run in arrival order. */
    private final ReentrantLock turn = new ReentrantLock(true);
    private final AtomicLong executions = new AtomicLong();
    /** Executions waiting for their turn, not counting the one whose turn it is. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong generation = new AtomicLong();
    private volatile Instant lastUsedAt;
    private volatile Interpreter interpreter;
    private volatile boolean ended;

    /**
     * The context's current box and the sinks of its two pipes.
     *
     * @param box the box, whose child holds the interpreter
     * @param stdout where the pump of its stdout pipe writes
     * @param stderr where the pump of its stderr pipe writes
     */
    record Interpreter(Box box, MarkedOutput stdout, MarkedOutput stderr) {
    }

    /**
     * @param reclaimable true for a context that may be ended to make room for another while it is
     *                    idle (an MCP session's); false for one that only its owner ends (an HTTP context)
     */
    Context(String id, ContextSettings settings, boolean reclaimable, Clock clock) {
        this.id = Objects.requireNonNull(id, "id");
        this.settings = settings;
        this.reclaimable = reclaimable;
        this.clock = clock;
        this.createdAt = clock.instant();
        this.lastUsedAt = createdAt;
    }

    String id() {
        return id;
    }

    /**
     * Makes the context's box and its interpreter: the child opens the pipes, takes the context's
     * environment, directory, limits, network and user, and says it is ready.
     *
     * @throws IOException when no box can be made or the interpreter cannot start, with the reason
     */
    void start(Zygote zygote, dev.interpreterd.exec.cgroup.Cgroups cgroups, Path pipeDirectory,
               WorkerEnvironment environment, ExecutorService pumps) throws IOException, InterruptedException {
        Box box = Box.make(zygote, cgroups, pipeDirectory, BOX_TIMEOUT);
        String name = "context-" + id + "-" + generation.incrementAndGet();
        NamedPipe out = null;
        NamedPipe err = null;
        try {
            box.cgroup().limit(settings.limits());
            out = box.pipe(name + "-stdout");
            err = box.pipe(name + "-stderr");
            box.startContext(new Frame.StartContext(out.path().toString(), err.path().toString(),
                    environment.with(settings.envs()), settings.cwd().toString(), settings.limits().forRunner(),
                    settings.network(), environment.user().forRunner()));
            Frame.Exit ready = awaitExit(box);
            Frame.Report report = ready.report();
            if (!ready.alive() || report == null || !"ok".equals(report.outcome())) {
                throw new ContextException(ContextException.Reason.NOT_STARTED, "the context's interpreter"
                        + " did not start" + (report == null ? "" : ": " + report.name() + ": " + report.value()));
            }
            MarkedOutput stdout = new MarkedOutput();
            MarkedOutput stderr = new MarkedOutput();
            pump(out.openReader(), stdout, pumps);
            pump(err.openReader(), stderr, pumps);
            interpreter = new Interpreter(box, stdout, stderr);
            // Ready now: among idle contexts it counts as used now, not when it began to be made.
            lastUsedAt = clock.instant();
        } catch (IOException | RuntimeException e) {
            box.close();
            throw e;
        } finally {
            if (out != null) {
                out.close();
            }
            if (err != null) {
                err.close();
            }
        }
    }

    private static Frame.Exit awaitExit(Box box) throws IOException {
        while (true) {
            if (box.read() instanceof Frame.Exit exit) {
                return exit;
            }
        }
    }

    private static void pump(InputStream in, MarkedOutput sink, ExecutorService pumps) {
        pumps.execute(() -> OutputPumps.pump(in, sink));
    }

    /** The current box and its pipes. */
    Interpreter interpreter() {
        return interpreter;
    }

    /**
     * Waits for this context's turn, in arrival order; the caller must {@link #endTurn} or
     * {@link #giveBackTurn} once done.
     *
     * @throws ContextException when {@code queueCapacity} executions wait here already
     */
    void awaitTurn(int queueCapacity) throws InterruptedException {
        if (turn.tryLock()) {
            // Free and nobody waiting: a fair lock's tryLock would barge past waiters, so check for them.
            if (!turn.hasQueuedThreads()) {
                return;
            }
            turn.unlock();
        }
        if (waiting.incrementAndGet() > queueCapacity) {
            waiting.decrementAndGet();
            throw new ContextException(ContextException.Reason.BUSY, "context " + id + " is busy: " + queueCapacity
                    + " executions wait for their turn in it already (--context-queue); try again once some have ended");
        }
        try {
            turn.lockInterruptibly();
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** Ends the caller's turn and counts its execution. */
    void endTurn() {
        executions.incrementAndGet();
        lastUsedAt = clock.instant();
        turn.unlock();
    }

    /** Ends the caller's turn when it ran nothing in it: no execution is counted. */
    void giveBackTurn() {
        turn.unlock();
    }

    /** True while the context is being made, or an execution runs or waits here: it is not idle. */
    boolean busy() {
        return interpreter == null || turn.isLocked() || turn.hasQueuedThreads();
    }

    /** True for a context that may be ended while idle to make room for another. */
    boolean reclaimable() {
        return reclaimable;
    }

    /**
     * Marks the context ended if no execution runs or waits in it, so that none can start in it
     * any more; its box is still to be stopped with {@link #end}. A context whose first interpreter
     * is still being made is not idle: ended then, the interpreter it gets would outlive it.
     *
     * @return false when it was busy or not made yet, and nothing changed
     */
    boolean retireIfIdle() {
        if (interpreter == null || !turn.tryLock()) {
            return false;
        }
        try {
            if (turn.hasQueuedThreads() || waiting.get() > 0) {
                return false;
            }
            ended = true;
            return true;
        } finally {
            turn.unlock();
        }
    }

    /** When an execution here last ended, or when the context was made. */
    Instant lastUsedAt() {
        return lastUsedAt;
    }

    /** True once the context was deleted or expired. */
    boolean ended() {
        return ended;
    }

    /** Kills the current box and waits until every process in it is gone. */
    void stopInterpreter() throws InterruptedException {
        Interpreter current = interpreter;
        if (current != null) {
            current.box().close();
            current.box().awaitExit(BOX_TIMEOUT);
        }
    }

    /** Ends the context for good: its box and every process in it are gone when this returns. */
    void end() throws InterruptedException {
        ended = true;
        stopInterpreter();
    }

    /** As the API shows it. */
    ContextInfo info() {
        return new ContextInfo(id, "python", settings.cwd().toString(), createdAt.toString(), lastUsedAt.toString(), !ended,
                executions.get(), waiting.get());
    }

    /** What the context was made with. */
    ContextSettings settings() {
        return settings;
    }
}
