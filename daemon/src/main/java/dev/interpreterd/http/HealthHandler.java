package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.exec.ExecutionService;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.time.Duration;

/** {@code GET /health}: cheap enough for a probe every second, and open without a token. */
final class HealthHandler implements Handler {

    private final ExecutionService executions;
    private final ObjectMapper json;
    private final String version;
    private final String python;
    private final long startedNanos = System.nanoTime();

    HealthHandler(ExecutionService executions, ObjectMapper json, String version, String python) {
        this.executions = executions;
        this.json = json;
        this.version = version;
        this.python = python;
    }

    /** The health answer. */
    record Health(String status, String version, String python, long uptimeSeconds, int running, int queued,
                  int slots) {
    }

    @Override
    public void handle(Context ctx) throws Exception {
        long uptime = Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds();
        Responses.json(ctx, 200, new Health("ok", version, python, uptime, executions.running(), executions.queued(),
                executions.slots()), json);
    }
}
