package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.Host;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.time.Duration;
import java.util.function.IntSupplier;

/** {@code GET /health}: cheap enough for a probe every second, and open without a token. */
final class HealthHandler implements Handler {

    private final ExecutionService executions;
    private final Contexts contexts;
    private final IntSupplier mcpSessions;
    private final ObjectMapper json;
    private final String version;
    private final Interpreter python;
    private final Host host;
    private final User user;
    private final long startedNanos = System.nanoTime();

    HealthHandler(ExecutionService executions, Contexts contexts, IntSupplier mcpSessions, ObjectMapper json, String version,
                  Host host) {
        this.mcpSessions = mcpSessions;
        this.host = host;
        this.user = new User(host.user().name(), host.user().uid());
        this.executions = executions;
        this.contexts = contexts;
        this.json = json;
        this.version = version;
        this.python = new Interpreter(host.python().executable().toString(), host.python().version());
    }

    /** The health answer. */
    record Health(String status, String version, Interpreter python, long uptimeSeconds, int running,
                  int queued, int slots, String isolation, String cleanup, boolean networkIsolation, User user,
                  ContextCounts contexts, McpCounts mcp) {
    }

    /**
     * The contexts: live now, the most that may, idle and busy among the live ones, and how many idle
     * ones were ended to make room since the daemon started.
     */
    record ContextCounts(int live, int max, int idle, int busy, long reclaimed) {
    }

    /** MCP sessions open now. */
    record McpCounts(int sessions) {
    }

    /** The user the code runs as. */
    record User(String name, int uid) {
    }

    /** The interpreter workers run. */
    record Interpreter(String executable, String version) {
    }

    @Override
    public void handle(Context ctx) throws Exception {
        long uptime = Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds();
        Responses.json(ctx, 200, new Health("ok", version, python, uptime, executions.running(), executions.queued(),
                executions.slots(), host.isolation().wireName(), host.cleanup().wireName(), host.networkIsolation(), user,
                contextCounts(), new McpCounts(mcpSessions.getAsInt())), json);
    }

    private ContextCounts contextCounts() {
        int live = contexts.live();
        int busy = Math.min(live, contexts.busy());
        return new ContextCounts(live, contexts.max(), live - busy, busy, contexts.reclaimed());
    }
}
