package dev.interpreterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Limits;
import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.context.Contexts;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The context endpoints under {@code /process/interpreter/context}: make, list, show, restart and
 * delete. Executions name a context with {@code contextId} on the execute path.
 */
final class ContextHandlers {

    /** The collection of contexts. */
    static final String PATH = "/process/interpreter/context";

    private final Contexts contexts;
    private final ObjectMapper json;
    private final BodyReader body;
    private final Limits maxLimits;
    private final NetworkPolicy network;
    private final Path workDir;

    ContextHandlers(Contexts contexts, ObjectMapper json, BodyReader body, Limits maxLimits, NetworkPolicy network,
                    Path workDir) {
        this.contexts = contexts;
        this.json = json;
        this.body = body;
        this.maxLimits = maxLimits;
        this.network = network;
        this.workDir = workDir;
    }

    /** {@code POST /process/interpreter/context}: a new context, with its interpreter ready. */
    void create(Context ctx) throws IOException, InterruptedException {
        byte[] bytes = body.read(ctx);
        JsonNode parsed = bytes.length == 0 ? null : ExecuteHandler.parse(json, bytes);
        ContextRequest request = ContextRequest.from(parsed, maxLimits);
        ContextSettings settings = new ContextSettings(ExecuteHandler.directory(workDir, request.cwd()),
                request.envs(), request.limits(), network.decide(request.network()));
        Responses.json(ctx, 200, contexts.create(settings, false), json);
    }

    /** {@code GET /process/interpreter/context}: every live context. */
    void list(Context ctx) throws IOException {
        Responses.json(ctx, 200, Map.of("contexts", contexts.list()), json);
    }

    /** {@code GET /process/interpreter/context/{id}}: one context. */
    void get(Context ctx) throws IOException {
        Responses.json(ctx, 200, contexts.get(ctx.pathParam("id")), json);
    }

    /** {@code DELETE /process/interpreter/context/{id}}: the context ends, every process of it with it. */
    void delete(Context ctx) throws InterruptedException {
        contexts.delete(ctx.pathParam("id"));
        ctx.status(204);
    }

    /** {@code POST /process/interpreter/context/{id}/restart}: the same id with a fresh, empty interpreter. */
    void restart(Context ctx) throws IOException, InterruptedException {
        Responses.json(ctx, 200, contexts.restart(ctx.pathParam("id")), json);
    }
}
