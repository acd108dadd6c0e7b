package dev.interpreterd.exec.box;

import dev.interpreterd.exec.ContextSource;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.os.Threads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live contexts: made on request, each in a box of its own forked from the zygote, at most
 * {@code max} at once; ended on request, after {@code idleTimeout} without an execution, or when the
 * daemon stops.
 */
public final class Contexts implements ContextSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Contexts.class);
    private static final Duration LONGEST_IDLE_CHECK = Duration.ofSeconds(10);

    private final Zygote zygote;
    private final Cgroups cgroups;
    private final Path pipeDirectory;
    private final WorkerEnvironment environment;
    private final long outputCapBytes;
    private final int max;
    private final Duration idleTimeout;
    private final String unavailable;
    private final Map<String, Context> live = new ConcurrentHashMap<>();
    /** The pipes of a context are read for its whole life, two threads each. */
    private final ExecutorService pumps = Executors.newCachedThreadPool(Threads.named("interpreterd-context-pump"));
    private final ScheduledExecutorService expiry =
            Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-context-expiry"));

    /**
     * @param zygote where the boxes come from; null where this machine cannot make boxes, and then
     *               {@code unavailable} says why
     * @param idleTimeout how long a context may go without an execution; zero for ever
     */
    public Contexts(Zygote zygote, String unavailable, Cgroups cgroups, Path pipeDirectory,
                    WorkerEnvironment environment, long outputCapBytes, int max, Duration idleTimeout) {
        this.zygote = zygote;
        this.unavailable = unavailable;
        this.cgroups = cgroups;
        this.pipeDirectory = pipeDirectory;
        this.environment = environment;
        this.outputCapBytes = outputCapBytes;
        this.max = max;
        this.idleTimeout = idleTimeout;
        if (!idleTimeout.isZero()) {
            long every = Math.max(1, Math.min(idleTimeout.toMillis() / 4, LONGEST_IDLE_CHECK.toMillis()));
            expiry.scheduleWithFixedDelay(this::endIdle, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Makes a context and its interpreter.
     *
     * @throws ContextException when {@code max} contexts live already, no box can be made here, or
     *                          the interpreter cannot start with these settings, with the reason
     */
    public ContextInfo create(ContextSettings settings) throws InterruptedException {
        if (zygote == null) {
            throw new ContextException(ContextException.Reason.UNAVAILABLE,
                    "contexts live in boxes, which this machine cannot make: " + unavailable);
        }
        Context context = new Context(UUID.randomUUID().toString(), settings);
        synchronized (live) {
            if (live.size() >= max) {
                throw new ContextException(ContextException.Reason.TOO_MANY, "there are already " + max
                        + " contexts (--max-contexts); delete one with DELETE /process/interpreter/context/{id}");
            }
            live.put(context.id(), context);
        }
        try {
            context.start(zygote, cgroups, pipeDirectory, environment, pumps);
        } catch (IOException e) {
            live.remove(context.id());
            throw new ContextException(ContextException.Reason.UNAVAILABLE, "no box for the context: " + e.getMessage());
        } catch (InterruptedException | RuntimeException e) {
            live.remove(context.id());
            throw e;
        }
        log.info("context {} created: cwd={} network={}", context.id(), settings.cwd(), settings.network());
        return context.info();
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
     * @throws ContextException when no context has that id, or it ended while the caller waited
     */
    @Override
    public Worker lease(String id) throws InterruptedException {
        Context context = find(id);
        context.awaitTurn();
        if (context.ended()) {
            context.endTurn();
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
            context.stopInterpreter();
            context.start(zygote, cgroups, pipeDirectory, environment, pumps);
            log.info("context {} restarted with a fresh interpreter", context.id());
        } catch (IOException | RuntimeException e) {
            log.warn("context {} could not get a fresh interpreter ({}); it is ended", context.id(), e.getMessage());
            live.remove(context.id());
            endQuietly(context);
        } catch (InterruptedException e) {
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
        context.awaitTurn();
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
        context.end();
        log.info("context {} deleted", id);
    }

    private void endIdle() {
        Instant limit = Instant.now().minus(idleTimeout);
        for (Context context : live.values()) {
            if (!context.busy() && context.lastUsedAt().isBefore(limit) && live.remove(context.id(), context)) {
                endQuietly(context);
                log.info("context {} ended after {} s without an execution", context.id(), idleTimeout.toSeconds());
            }
        }
    }

    private Context find(String id) {
        Context context = id == null ? null : live.get(id);
        if (context == null) {
            throw notFound(id);
        }
        return context;
    }

    private static ContextException notFound(String id) {
        return new ContextException(ContextException.Reason.NOT_FOUND, "no context " + id
                + " (it never existed, was deleted, or ended after being idle)");
    }

    private static void endQuietly(Context context) {
        try {
            context.end();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Contexts that live now. */
    public int live() {
        return live.size();
    }

    /** The most that may live at once. */
    public int max() {
        return max;
    }

    /** Ends every context; when this returns, none of their processes is left. */
    @Override
    public void close() {
        expiry.shutdownNow();
        live.values().forEach(Contexts::endQuietly);
        live.clear();
        pumps.shutdown();
    }
}
