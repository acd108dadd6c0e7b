package dev.interpreterd.mcp;

import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.os.Threads;
import dev.interpreterd.units.Clock;
import dev.interpreterd.units.Durations;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open MCP sessions, at most {@link #MAX_SESSIONS}. A session without a context costs a map
 * entry; one with a context costs an interpreter, and {@code --max-contexts} bounds those. When the
 * map is full, the session used longest ago that has no context makes room. A session that went
 * {@code idleTimeout} without a request ends with its context.
 */
final class McpSessions implements AutoCloseable {

    /** Sessions kept at once. */
    static final int MAX_SESSIONS = 1024;
    private static final int ID_BYTES = 32;
    private static final Logger log = LoggerFactory.getLogger(McpSessions.class);

    private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Contexts contexts;
    private final ContextSettings settings;
    private final Duration idleTimeout;
    private final String idPrefix;
    private final Clock clock;
    private final ScheduledExecutorService expiry =
            Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-mcp-expiry"));

    /**
     * Sessions whose contexts are made in {@code contexts} with {@code settings}.
     *
     * @param idleTimeout how long a session may go without a request; zero for ever
     * @param idPrefix what each session id begins with, before its random part
     * @param clock when sessions were last used, and so which have idled out
     */
    McpSessions(Contexts contexts, ContextSettings settings, Duration idleTimeout, String idPrefix, Clock clock) {
        this.contexts = contexts;
        this.settings = settings;
        this.idleTimeout = idleTimeout;
        this.idPrefix = idPrefix;
        this.clock = clock;
        if (!idleTimeout.isZero()) {
            long every = Durations.idleCheckMillis(idleTimeout);
            expiry.scheduleWithFixedDelay(this::endIdle, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Sessions open now. */
    int count() {
        return sessions.size();
    }

    /** Stops ending idle sessions; their contexts end with the daemon's. */
    @Override
    public void close() {
        expiry.shutdownNow();
    }

    /** Ends every session that went the idle timeout without a request, unless a call runs in its interpreter. */
    void endIdle() {
        long now = clock.nanoTime();
        for (McpSession session : sessions.values()) {
            if (!session.idle() || now - session.lastUsedNanos() <= idleTimeout.toNanos()) {
                continue;
            }
            try {
                // A call may run in the session's interpreter by its id, from another session or era.
                if (!session.endUnlessBusy()) {
                    continue;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("MCP session could not end cleanly: {}", e.toString());
            }
            if (sessions.remove(session.id(), session)) {
                log.info("MCP session {} expired after {} s without a request; its interpreter is gone", session.id(),
                        idleTimeout.toSeconds());
            }
        }
    }

    /** A new session with a fresh random id; empty when {@link #MAX_SESSIONS} sessions all have a context. */
    synchronized Optional<McpSession> open() {
        if (sessions.size() >= MAX_SESSIONS && !dropOneWithoutContext()) {
            return Optional.empty();
        }
        McpSession session = new McpSession(newId(), contexts, settings, clock);
        sessions.put(session.id(), session);
        return Optional.of(session);
    }

    /** The session with this id, if it is open. */
    Optional<McpSession> find(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    /**
     * Ends a session and its context; when this returns, every process of that context is gone.
     *
     * @return false when no open session has this id
     */
    boolean end(String id) throws InterruptedException {
        McpSession session = sessions.remove(id);
        if (session == null) {
            return false;
        }
        session.end();
        return true;
    }

    private boolean dropOneWithoutContext() {
        Optional<McpSession> oldest = sessions.values().stream().filter(s -> !s.hasContext())
                .min(Comparator.comparingLong(McpSession::lastUsedNanos));
        if (oldest.isEmpty()) {
            return false;
        }
        sessions.remove(oldest.get().id());
        try {
            // A call may have made it a context since it was chosen: ending the session ends that too.
            oldest.get().end();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("MCP session dropped to make room: {} sessions were open, the most kept", MAX_SESSIONS);
        return true;
    }

    /** The prefix and 256 random bits, URL-safe Base64: visible ASCII, as the transport requires of session ids. */
    private String newId() {
        byte[] bytes = new byte[ID_BYTES];
        random.nextBytes(bytes);
        return idPrefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
