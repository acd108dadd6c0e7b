package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.MovableClock;
import dev.interpreterd.config.Limits;
import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.cgroup.Cgroups;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When MCP sessions idle out, decided on a clock the test moves instead of waiting for it. */
class McpSessionsTest {

    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);

    private final MovableClock clock = new MovableClock();
    /** Contexts on a machine without boxes: these sessions never make an interpreter. */
    private final Contexts contexts = new Contexts(null, "no boxes in this test", Cgroups.NONE, Path.of("/nonexistent"),
            null, 0, new Contexts.Bounds(1, 1, Duration.ZERO, 0), () -> Long.MAX_VALUE, "", clock);
    private final McpSessions sessions = new McpSessions(contexts, new ContextSettings(Path.of("/"), Map.of(),
            new Limits(1L << 30, 64, 1L << 20, 64), true), IDLE_TIMEOUT, "", clock);

    @AfterEach
    void close() {
        sessions.close();
        contexts.close();
    }

    @Test
    void a_session_ends_once_it_went_the_idle_timeout_without_a_request() {
        McpSession session = sessions.open().orElseThrow();
        clock.advance(IDLE_TIMEOUT);
        sessions.endIdle();
        assertTrue(sessions.find(session.id()).isPresent(), "exactly the idle timeout is not past it");
        clock.advance(Duration.ofMillis(1));
        sessions.endIdle();
        assertFalse(sessions.find(session.id()).isPresent(), "past the idle timeout the session has ended");
    }

    @Test
    void a_request_resets_the_idle_time_and_a_session_is_never_idle_while_one_is_answered() {
        McpSession session = sessions.open().orElseThrow();
        clock.advance(IDLE_TIMEOUT.minusMinutes(1));
        session.enter();
        clock.advance(IDLE_TIMEOUT.multipliedBy(3));
        sessions.endIdle();
        assertTrue(sessions.find(session.id()).isPresent(), "a request is being answered");
        session.leave();
        clock.advance(IDLE_TIMEOUT.minusMinutes(1));
        sessions.endIdle();
        assertTrue(sessions.find(session.id()).isPresent(), "the idle time counts from the end of the last request");
        clock.advance(Duration.ofMinutes(2));
        sessions.endIdle();
        assertFalse(sessions.find(session.id()).isPresent());
    }

    @Test
    void each_session_idles_out_on_its_own_time() {
        McpSession older = sessions.open().orElseThrow();
        clock.advance(Duration.ofMinutes(20));
        McpSession newer = sessions.open().orElseThrow();
        clock.advance(Duration.ofMinutes(15));
        sessions.endIdle();
        assertFalse(sessions.find(older.id()).isPresent());
        assertTrue(sessions.find(newer.id()).isPresent());
    }
}
