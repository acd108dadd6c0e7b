package dev.interpreterd.mcp;

import dev.interpreterd.context.ContextException;
import dev.interpreterd.context.ContextInfo;
import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.units.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One MCP session: its id, the protocol version agreed at {@code initialize}, and the context its
 * Python runs in, which it owns: made on first use, replaced when it ended on its own, deleted with
 * the session. Also the calls running now, so that the client can cancel one.
 */
final class McpSession {

    private final String id;
    private final Contexts contexts;
    private final ContextSettings settings;
    private final Map<String, CallStop> calls = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Clock clock;
    private volatile long lastUsedNanos;
    /** The context, once made; guarded by this. */
    private String contextId;
    /** Guarded by this. */
    private boolean ended;

    McpSession(String id, Contexts contexts, ContextSettings settings, Clock clock) {
        this.id = id;
        this.contexts = contexts;
        this.settings = settings;
        this.clock = clock;
        this.lastUsedNanos = clock.nanoTime();
    }

    /** The id the client sends as {@code Mcp-Session-Id}. */
    String id() {
        return id;
    }

    /** When a request of this session last came or ended, in {@link Clock#nanoTime()} terms. */
    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** A request of this session is being answered, until {@link #leave}: the session is not idle meanwhile. */
    void enter() {
        inFlight.incrementAndGet();
        lastUsedNanos = clock.nanoTime();
    }

    /** A request of this session has been answered. */
    void leave() {
        lastUsedNanos = clock.nanoTime();
        inFlight.decrementAndGet();
    }

    /** True while no request of this session is being answered. */
    boolean idle() {
        return inFlight.get() == 0;
    }

    /** True while the session has a context, which costs a running interpreter. */
    synchronized boolean hasContext() {
        return contextId != null;
    }

    /**
     * The session's context, made now if it has none (or if {@code gone} names the one it had, which
     * ended on its own); empty once the session has ended.
     *
     * @throws ContextException when no context can be made, saying why
     */
    synchronized Optional<String> context(Optional<String> gone) throws InterruptedException {
        if (ended) {
            return Optional.empty();
        }
        if (contextId == null || gone.filter(contextId::equals).isPresent()) {
            contextId = null; // the one it had is gone; if no new one can be made, the session has none
            contextId = contexts.create(settings, true).id();
        }
        return Optional.of(contextId);
    }

    /**
     * A fresh interpreter for the session: its context restarted, or a new one when it has none or its
     * own ended. Waits for a running call of the session to end first.
     *
     * @throws ContextException when no context can be made, saying why
     */
    Optional<ContextInfo> restart() throws InterruptedException {
        Optional<String> current;
        synchronized (this) {
            current = Optional.ofNullable(contextId);
        }
        if (current.isPresent()) {
            try {
                // Outside the lock: the restart waits for a running execution, and ending the session must not.
                return Optional.of(contexts.restart(current.get()));
            } catch (ContextException e) {
                if (e.reason() != ContextException.Reason.NOT_FOUND) {
                    throw e;
                }
            }
        }
        Optional<String> fresh = context(current);
        return fresh.isEmpty() ? Optional.empty() : Optional.of(contexts.get(fresh.get()));
    }


    /**
     * A call with this request id begins, until {@link #finished}: from now on the client may cancel
     * it through the returned stop.
     */
    CallStop begin(String requestId) {
        CallStop stop = new CallStop();
        // A second request that reuses a running one's id can be cancelled only by that id's first holder.
        calls.putIfAbsent(requestId, stop);
        return stop;
    }

    /** The call with this request id, which {@link #begin} gave {@code stop}, has ended. */
    void finished(String requestId, CallStop stop) {
        calls.remove(requestId, stop);
        stop.ended();
    }

    /**
     * Ends the session and its context unless a call runs or waits in that context, from this session
     * or by its id: none can begin in it between the look and the end.
     *
     * @return false when its interpreter was busy, and the session goes on
     */
    synchronized boolean endUnlessBusy() throws InterruptedException {
        if (contextId != null && !contexts.deleteIfIdle(contextId)) {
            return false;
        }
        ended = true;
        contextId = null;
        return true;
    }

    /** Stops the call with this request id as its timeout would, or when it still waits for its turn, as soon as it starts. */
    void cancel(String requestId, String reason) {
        CallStop stop = calls.get(requestId);
        if (stop != null) {
            stop.cancel(reason);
        }
    }

    /** Ends the session and its context: when this returns, every process of the context is gone. */
    void end() throws InterruptedException {
        String context;
        synchronized (this) {
            ended = true;
            context = contextId;
            contextId = null;
        }
        if (context != null) {
            try {
                contexts.delete(context);
            } catch (ContextException e) {
                // It ended already, after idling past --context-idle-timeout: nothing is left of it.
            }
        }
    }
}
