package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.mcp.McpAnswer;
import dev.interpreterd.mcp.McpHeaders;
import dev.interpreterd.mcp.McpServer;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Optional;

/** {@code /mcp} on the daemon's web server: hands headers and the body to {@link McpServer} and writes its answer. */
final class McpHandlers {

    private final McpServer mcp;
    private final BodyReader body;
    private final ObjectMapper json;

    McpHandlers(McpServer mcp, BodyReader body, ObjectMapper json) {
        this.mcp = mcp;
        this.body = body;
        this.json = json;
    }

    /** {@code POST /mcp}: one JSON-RPC message. */
    void post(Context ctx) throws IOException {
        write(ctx, mcp.post(headers(ctx), body.read(ctx)));
    }

    /** {@code GET} or {@code HEAD /mcp}: 405, there is no stream. */
    void get(Context ctx) throws IOException {
        write(ctx, mcp.get(headers(ctx)));
    }

    /** {@code DELETE /mcp}: ends the session. */
    void delete(Context ctx) throws IOException, InterruptedException {
        write(ctx, mcp.delete(headers(ctx)));
    }

    private static McpHeaders headers(Context ctx) {
        return new McpHeaders(Optional.ofNullable(ctx.header("Origin")),
                Optional.ofNullable(ctx.header(McpServer.SESSION_HEADER)),
                Optional.ofNullable(ctx.header(McpServer.VERSION_HEADER)));
    }

    private void write(Context ctx, McpAnswer answer) throws IOException {
        answer.headers().forEach(ctx::header);
        if (answer.body().isPresent()) {
            Responses.json(ctx, answer.status(), answer.body().get(), json);
        } else {
            ctx.status(answer.status());
        }
    }
}
