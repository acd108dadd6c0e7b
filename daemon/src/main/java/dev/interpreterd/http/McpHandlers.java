package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.mcp.McpAnswer;
import dev.interpreterd.mcp.McpHeaders;
import dev.interpreterd.mcp.McpServer;
import dev.interpreterd.mcp.McpStream;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /mcp} on the daemon's web server: hands headers and the body to {@link McpServer} and writes
 * its answer, JSON or an SSE stream.
 */
final class McpHandlers {

    private static final Logger log = LoggerFactory.getLogger(McpHandlers.class);

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
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            if (name.regionMatches(true, 0, McpHeaders.PARAM_PREFIX, 0, McpHeaders.PARAM_PREFIX.length())) {
                params.put(name.substring(McpHeaders.PARAM_PREFIX.length()).toLowerCase(Locale.ROOT), ctx.header(name));
            }
        }
        return new McpHeaders(Optional.ofNullable(ctx.header("Origin")),
                Optional.ofNullable(ctx.header(McpServer.SESSION_HEADER)),
                Optional.ofNullable(ctx.header(McpServer.VERSION_HEADER)),
                Optional.ofNullable(ctx.header("Accept")),
                Optional.ofNullable(ctx.header(McpServer.METHOD_HEADER)),
                Optional.ofNullable(ctx.header(McpServer.NAME_HEADER)), params);
    }

    private void write(Context ctx, McpAnswer answer) throws IOException {
        answer.headers().forEach(ctx::header);
        if (answer.stream().isPresent()) {
            stream(ctx, answer.status(), answer.stream().get());
        } else if (answer.body().isPresent()) {
            Responses.json(ctx, answer.status(), answer.body().get(), json);
        } else {
            ctx.status(answer.status());
        }
    }

    /**
     * Sends the stream's messages as SSE, the headers at once so that the client knows a stream
     * comes. A client that goes away does not stop the stream: what runs, runs to its end.
     */
    private void stream(Context ctx, int status, McpStream stream) throws IOException {
        ctx.status(status);
        ctx.res().setContentType(McpHeaders.EVENT_STREAM);
        ctx.res().setHeader("Cache-Control", "no-cache");
        // Proxies such as nginx would otherwise hold the events back.
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        try {
            out.flush();
        } catch (IOException e) {
            // Gone already: the stream's first message finds out too, and says so once.
        }
        stream.run(new SseSink(out, json));
        try {
            out.close();
        } catch (IOException e) {
            log.debug("could not end an MCP stream: {}", e.toString());
        }
    }
}
