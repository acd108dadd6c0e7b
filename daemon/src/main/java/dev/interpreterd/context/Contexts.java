package dev.interpreterd.context;

import dev.interpreterd.exec.ContextSource;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.box.Zygote;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.os.Threads;
import dev.interpreterd.units.Clock;
import dev.interpreterd.units.Durations;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live contexts: made on request, each in a box of its own forked from the zygote, at most
 * {@code max} at once; ended on request, after {@code idleTimeout} without an execution, when an
 * idle reclaimable one must make room for another, or when the daemon stops.
 */
public final class Contexts implements ContextSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Contexts.class);
    /** Ended contexts whose end is remembered, so that a late request learns why its context is gone. */
    private static final int ENDINGS_KEPT = 4096;
    private static final long BYTES_PER_MIB = 1024 * 1024;

    private final Interpreter.Maker maker;
    private final long outputCapBytes;
    private final Bounds bounds;
    private final LongSupplier availableMemory;
    private final String idPrefix;
    private final Clock clock;
    private final String unavailable;
    private final Map<String, Context> live = new ConcurrentHashMap<>();
    /** Contexts whose interpreter is being made, which count against {@code max}; guarded by {@code live}. */
    private int making;
    /** Set once the daemon stops: no context is made after; guarded by {@code live}. */
    private boolean closed;
    /** Why recently ended contexts ended, by id; guarded by itself. */
    private final Map<String, String> endings = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > ENDINGS_KEPT;
        }
    };
    private final AtomicLong reclaimed = new AtomicLong();
    /** The pipes of a context are read for its whole life, two threads each. */
    private final ExecutorService pumps = Executors.newCachedThreadPool(Threads.named("interpreterd-context-pump"));
    private final ScheduledExecutorService expiry =
            Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-context-expiry"));

    /**
     * How many contexts may live and wait, and for how long.
     *
     * @param max contexts that may live at once ({@code --max-contexts})
     * @param queueCapacity executions that may wait for one context's turn ({@code --context-queue})
     * @param idleTimeout how long a context may go without an execution; zero for ever
     * @param memoryReserveBytes memory that must be available for a new context to be made
     */
    public record Bounds(int max, int queueCapacity, Duration idleTimeout, long memoryReserveBytes) {

        /** Rejects missing values. */
        public Bounds {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
        }
    }

    /**
     * @param zygote where the boxes come from; null where this machine cannot make boxes, and then
     *               {@code unavailable} says why
     * @param availableMemory bytes of memory available now, asked before each new context
     * @param idPrefix what each context's id begins with, before a random UUID ({@code --id-prefix})
     * @param clock when contexts were made and last used, and so which have idled out
     */
    public Contexts(Zygote zygote, String unavailable, Cgroups cgroups, Path pipeDirectory,
                    WorkerEnvironment environment, long outputCapBytes, Bounds bounds, LongSupplier availableMemory,
                    String idPrefix, Clock clock) {
        this.maker = zygote == null ? null : new Interpreter.Maker(zygote, cgroups, pipeDirectory, environment, pumps);
        this.unavailable = unavailable;
        this.outputCapBytes = outputCapBytes;
        this.bounds = bounds;
        this.availableMemory = availableMemory;
        this.idPrefix = Objects.requireNonNull(idPrefix, "idPrefix");
        this.clock = Objects.requireNonNull(clock, "clock");
        Duration idleTimeout = bounds.idleTimeout();
        if (!idleTimeout.isZero()) {
            long every = Durations.idleCheckMillis(idleTimeout);
            expiry.scheduleWithFixedDelay(this::endIdle, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Makes a context and its interpreter. At {@code max} live contexts, or with less memory available
     * than the reserve, idle reclaimable contexts are ended first, the least recently used first.
     *
     * @param reclaimable true for a context that may itself be reclaimed while idle (an MCP session's)
     * @throws ContextException when no room can be made, no box can be made here, or the interpreter
     *                          cannot start with these settings, with the reason
     */
    public ContextInfo create(ContextSettings settings, boolean reclaimable) throws InterruptedException {
        if (maker == null) {
            throw new ContextException(ContextException.Reason.UNAVAILABLE,
                    "contexts live in boxes, which this machine cannot make: " + unavailable);
        }
        String id = idPrefix + UUID.randomUUID();
        Instant began = clock.instant();
        makeRoom();
        Interpreter interpreter = null;
        boolean kept = false;
        try {
            interpreter = maker.start(id, settings);
            Context context = new Context(id, settings, interpreter, reclaimable, clock, began);
            synchronized (live) {
                if (!closed) {
                    live.put(id, context);
                    kept = true;
                }
            }
            if (!kept) {
                throw stopping();
            }
            log.info("context {} created: cwd={} network={}{}", id, settings.cwd(), settings.network(),
                    reclaimable ? " reclaimable=true" : "");
            return context.info();
        } catch (IOException e) {
            throw new ContextException(ContextException.Reason.UNAVAILABLE, "no box for the context: " + e.getMessage());
        } finally {
            synchronized (live) {
                making--;
                live.notifyAll();
            }
            if (!kept && interpreter != null) {
                interpreter.stop();
            }
        }
    }

    /**
     * Holds a place for one more context, reclaiming idle ones as needed: at {@code max} contexts,
     * counting those being made, or with less memory available than the reserve.
     */
    private void makeRoom() throws InterruptedException {
        while (true) {
            Context victim;
            String shortage;
            synchronized (live) {
                if (closed) {
                    throw stopping();
                }
                boolean full = live.size() + making >= bounds.max();
                long available = full ? Long.MAX_VALUE : availableMemory.getAsLong();
                if (!full && available >= bounds.memoryReserveBytes()) {
                    making++;
                    return;
                }
                shortage = full ? bounds.max() + " were live (--max-contexts)" : available / BYTES_PER_MIB
                        + " MiB were available, below the reserve of " + bounds.memoryReserveBytes() / BYTES_PER_MIB
                        + " MiB (--context-memory-reserve)";
                String refusal = "no room for another interpreter: " + shortage + ", and none is an idle MCP"
                        + " interpreter that could be reclaimed; delete a context with DELETE"
                        + " /process/interpreter/context/{id}";
                victim = retireLeastRecentlyUsedIdle()
                        .orElseThrow(() -> new ContextException(ContextException.Reason.TOO_MANY, refusal));
                live.remove(victim.id());
            }
            reclaimed.incrementAndGet();
            end(victim, "was reclaimed to make room for a new interpreter: " + shortage);
        }
    }

    private static ContextException stopping() {
        return new ContextException(ContextException.Reason.UNAVAILABLE, "the daemon is stopping");
    }

    /** The least recently used idle reclaimable context, now marked ended; guarded by {@code live}. */
    private Optional<Context> retireLeastRecentlyUsedIdle() {
        for (Context candidate : live.values().stream().filter(Context::reclaimable)
                .sorted(Comparator.comparing(Context::lastUsedAt)).toList()) {
            if (candidate.retireIfIdle()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Every live context, the oldest first. */
    public List<ContextInfo> list() {
        return live.values().stream().map(Context::info).sorted(Comparator.comparing(ContextInfo::createdAt)).toList();
    }

    /** One live context. */
    public ContextInfo get(String id) {
        return find(id).info();
    }

    /**
     * Waits for the context's turn, in arrival order, and leases it to one execution.
     *
     * @throws ContextException when no context has that id, it ended while the caller waited, or
     *                          {@code --context-queue} executions wait for it already
     */
    @Override
    public Worker lease(String id) throws InterruptedException {
        Context context = find(id);
        context.awaitTurn(bounds.queueCapacity());
        if (context.ended()) {
            context.giveBackTurn();
            throw notFound(id);
        }
        return new ContextLease(this, context, outputCapBytes);
    }

    /** Called by a lease when its execution has ended: a context whose interpreter died gets a new one. */
    void endTurn(Context context, boolean restart) {
        try {
            if (restart && !context.ended()) {
                replaceInterpreter(context);
            }
        } finally {
            context.endTurn();
        }
    }

    private void replaceInterpreter(Context context) {
        try {
            context.replaceInterpreter(maker);
            log.info("context {} restarted with a fresh interpreter", context.id());
        } catch (IOException | RuntimeException e) {
            endQuietly(context, "could not get a fresh interpreter (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            endQuietly(context, "could not get a fresh interpreter (interrupted as the daemon stopped)");
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gives a context a fresh interpreter, empty of state, once any execution in it has ended; its id stays.
     *
     * @throws ContextException when no context has that id
     */
    public ContextInfo restart(String id) throws InterruptedException {
        Context context = find(id);
        context.awaitTurn(bounds.queueCapacity());
        try {
            if (context.ended()) {
                throw notFound(id);
            }
            replaceInterpreter(context);
            return find(id).info();
        } finally {
            context.endTurn();
        }
    }

    /**
     * Ends a context: when this returns, every process of it is gone. An execution running in it ends
     * as its interpreter does.
     *
     * @throws ContextException when no context has that id
     */
    public void delete(String id) throws InterruptedException {
        Context context = live.remove(id);
        if (context == null) {
            throw notFound(id);
        }
        end(context, "was deleted");
    }

    /**
     * Deletes a context unless an execution runs or waits in it, as one atomic step: none can begin
     * in it between the look and the end.
     *
     * @return false when it was busy and lives on; true when it has ended, or had ended before
     */
    public boolean deleteIfIdle(String id) throws InterruptedException {
        Context context = live.get(id);
        if (context == null) {
            return true;
        }
        if (!context.retireIfIdle()) {
            return context.ended();
        }
        end(context, "was deleted");
        return true;
    }

    private void endIdle() {
        Instant limit = clock.instant().minus(bounds.idleTimeout());
        for (Context context : live.values()) {
            if (context.lastUsedAt().isBefore(limit) && context.retireIfIdle()) {
                endQuietly(context, "ended after " + bounds.idleTimeout().toSeconds() + " s without an execution"
                        + " (--context-idle-timeout)");
            }
        }
    }

    /**
     * Ends a context, whatever ends it (a DELETE, its MCP session's end, idling out, making room for
     * another, a replacement that failed, the daemon's stop): it is live no more, and why it ended is
     * remembered and logged. Its processes are gone when this returns.
     */
    private void end(Context context, String why) throws InterruptedException {
        live.remove(context.id(), context);
        synchronized (endings) {
            endings.put(context.id(), why);
        }
        try {
            context.end();
        } finally {
            log.info("context {} {}", context.id(), why);
        }
    }

    private void endQuietly(Context context, String why) {
        try {
            end(context, why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Context find(String id) {
        Context context = id == null ? null : live.get(id);
        if (context == null) {
            throw notFound(id);
        }
        return context;
    }

    private ContextException notFound(String id) {
        String why;
        synchronized (endings) {
            why = id == null ? null : endings.get(id);
        }
        return new ContextException(ContextException.Reason.NOT_FOUND, "no context " + id + (why != null ? ": it " + why
                : " (it never existed, was deleted, or ended after being idle)"));
    }

    /** Why the context with this id ended, if it ended lately: e.g. "was reclaimed to make room ...". */
    public Optional<String> ending(String id) {
        synchronized (endings) {
            return Optional.ofNullable(endings.get(id));
        }
    }

    /** Contexts that live now. */
    public int live() {
        return live.size();
    }

    /** Live contexts in which an execution runs or waits now. */
    public int busy() {
        return (int) live.values().stream().filter(Context::busy).count();
    }

    /** Idle contexts ended so far to make room for others. */
    public long reclaimed() {
        return reclaimed.get();
    }

    /** The most that may live at once. */
    public int max() {
        return bounds.max();
    }

    /** Ends every context; when this returns, none of their processes is left. */
    @Override
    public void close() {
        synchronized (live) {
            closed = true;
            // Contexts being made are either live when this ends, and end below, or stopped by their maker.
            long deadline = System.nanoTime() + Interpreter.BOX_TIMEOUT.multipliedBy(2).toNanos();
            try {
                while (making > 0 && System.nanoTime() < deadline) {
                    TimeUnit.NANOSECONDS.timedWait(live, deadline - System.nanoTime());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        expiry.shutdownNow();
        List.copyOf(live.values()).forEach(context -> endQuietly(context, "ended as the daemon stopped"));
        pumps.shutdown();
    }
}
