package dev.interpreterd.context;

import dev.interpreterd.units.Clock;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One context: an interpreter that keeps its state between executions, under an id that stays.
 * Executions take turns in arrival order. When an execution costs the interpreter its life, the
 * context gets a new one, empty of state.
 */
final class Context {

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
    private volatile Instant lastUsedAt;
    /** Replaced when the interpreter dies with an execution, or is restarted. */
    private volatile Interpreter interpreter;
    private volatile boolean ended;

    /**
     * @param interpreter its first interpreter, started with {@code settings}
     * @param reclaimable true for a context that may be ended to make room for another while it is
     *                    idle (an MCP session's); false for one that only its owner ends (an HTTP context)
     * @param createdAt when it began to be made; it counts as used from now, when it is ready
     */
    Context(String id, ContextSettings settings, Interpreter interpreter, boolean reclaimable, Clock clock,
            Instant createdAt) {
        this.id = Objects.requireNonNull(id, "id");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.interpreter = Objects.requireNonNull(interpreter, "interpreter");
        this.reclaimable = reclaimable;
        this.clock = clock;
        this.createdAt = createdAt;
        this.lastUsedAt = clock.instant();
    }

    String id() {
        return id;
    }

    /** The current interpreter. */
    Interpreter interpreter() {
        return interpreter;
    }

    /**
     * Stops the current interpreter and starts a fresh one in its place, with the context's settings;
     * called in the caller's turn. An {@link #end} meanwhile waits for it, and then stops the new one.
     *
     * @throws IOException when no new interpreter starts: the context then has a stopped one, and is to be ended
     */
    synchronized void replaceInterpreter(Interpreter.Maker maker) throws IOException, InterruptedException {
        interpreter.stop();
        if (!ended) {
            interpreter = maker.start(id, settings);
        }
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

    /** True while an execution runs or waits here: it is not idle. */
    boolean busy() {
        return turn.isLocked() || turn.hasQueuedThreads();
    }

    /** True for a context that may be ended while idle to make room for another. */
    boolean reclaimable() {
        return reclaimable;
    }

    /**
     * Marks the context ended if no execution runs or waits in it, so that none can start in it
     * any more; its interpreter is still to be stopped with {@link #end}.
     *
     * @return false when it was busy or ended already, and nothing changed
     */
    boolean retireIfIdle() {
        if (ended || !turn.tryLock()) {
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

    /** Ends the context for good: its interpreter and every process of it are gone when this returns. */
    synchronized void end() throws InterruptedException {
        ended = true;
        interpreter.stop();
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
