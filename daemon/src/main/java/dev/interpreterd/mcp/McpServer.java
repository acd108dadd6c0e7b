package dev.interpreterd.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.ExecutionListener;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.units.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Model Context Protocol over its streamable HTTP transport, in both of its eras on one
 * endpoint: a POST carries one JSON-RPC message, a DELETE ends a legacy session, a GET is refused.
 * Legacy requests (up to 2025-11-25) belong to a session opened by {@code initialize}; modern ones
 * (2026-07-28) carry their version in {@code _meta} and are served without one
 * ({@link ModernRequest}). A request is answered with JSON, except a {@code tools/call} that asks
 * for progress from a client that takes SSE, or any modern one from such a client, which is
 * answered with a stream: progress notifications, its response last ({@link ProgressReporter}).
 * Checks the origin, the session and the protocol version of each request; {@link McpMethods}
 * answers the methods. Knows nothing of the web server: it takes headers and a body and gives back
 * an {@link McpAnswer}.
 */
public final class McpServer implements AutoCloseable {

    /** The MCP endpoint. */
    public static final String PATH = "/mcp";
    /** The header that carries the session id, issued at {@code initialize}. */
    public static final String SESSION_HEADER = "Mcp-Session-Id";
    /** The header that carries the protocol version agreed at {@code initialize}. */
    public static final String VERSION_HEADER = "MCP-Protocol-Version";
    /** What the endpoint allows, for the {@code Allow} header of a 405. */
    public static final String ALLOWED_METHODS = "POST, DELETE";
    /** The header of a modern request that names its method. */
    public static final String METHOD_HEADER = "Mcp-Method";
    /** The header of a modern request that names the tool it calls. */
    public static final String NAME_HEADER = "Mcp-Name";
    private static final Logger log = LoggerFactory.getLogger(McpServer.class);

    private final McpSessions sessions;
    private final McpMethods methods;
    private final ModernEra modern;
    private final ObjectMapper json;
    private final ScheduledExecutorService timer;
    private final Duration heartbeat;

    /**
     * Sessions whose code runs through {@code executions}, each in a context of {@code contexts};
     * progress notifications are timed on {@code timer}, and idle sessions are ended on {@code clock}.
     */
    public McpServer(ExecutionService executions, Contexts contexts, McpSettings settings, ObjectMapper json,
                     ScheduledExecutorService timer, Clock clock) {
        this.sessions = new McpSessions(contexts, settings.context(), settings.sessionIdleTimeout(),
                settings.idPrefix(), clock);
        this.methods = new McpMethods(settings, new PythonTools(executions, contexts, settings, json));
        this.modern = new ModernEra(methods, timer, settings.heartbeat());
        this.json = json;
        this.timer = timer;
        this.heartbeat = settings.heartbeat();
    }

    /**
     * {@code POST /mcp}: one JSON-RPC message; a request is answered with JSON (or a stream, when it
     * asks for progress, or is a modern call), anything else with 202. A message that claims the
     * modern era in its {@code _meta}, or names a modern version in its header, is served without a
     * session; any other is legacy, and needs the session that {@code initialize} opened.
     */
    public McpAnswer post(McpHeaders headers, byte[] body) {
        Optional<McpAnswer> refused = foreignOrigin(headers);
        if (refused.isPresent()) {
            return refused.get();
        }
        JsonRpcMessage message;
        try {
            message = JsonRpcMessage.of(parse(body));
        } catch (JsonRpcException e) {
            return McpAnswer.refused(400, e.code(), e.getMessage());
        }
        if (ModernRequest.claims(message) || headers.protocolVersion().filter(ProtocolVersions::modern).isPresent()) {
            return modern.post(message, headers);
        }
        if (message.kind() == JsonRpcMessage.Kind.REQUEST && message.method().equals("initialize")) {
            return initialize(message);
        }
        Optional<String> version = headers.protocolVersion();
        if (version.isPresent() && !ProtocolVersions.supported(version.get())) {
            return McpAnswer.refused(400, JsonRpc.TRANSPORT_ERROR, "unsupported " + VERSION_HEADER + " '"
                    + version.get() + "'; this server speaks " + String.join(" and ", ProtocolVersions.SUPPORTED)
                    + " through initialize, and " + String.join(" and ", ProtocolVersions.MODERN) + " per request");
        }
        Optional<McpSession> session = headers.sessionId().flatMap(sessions::find);
        if (session.isEmpty()) {
            return missingSession(headers);
        }
        McpSession current = session.get();
        current.enter();
        boolean streamed = false;
        try {
            McpAnswer answer = switch (message.kind()) {
                case REQUEST -> respond(current, message, headers);
                case NOTIFICATION -> {
                    methods.heed(current, message);
                    yield McpAnswer.empty(202);
                }
                case RESPONSE -> McpAnswer.empty(202);
            };
            if (answer.stream().isPresent()) {
                // A stream runs after this returns: the session stays busy until it has ended.
                McpStream stream = answer.stream().get();
                streamed = true;
                return answer.withStream(sink -> {
                    try {
                        stream.run(sink);
                    } finally {
                        current.leave();
                    }
                });
            }
            return answer;
        } finally {
            if (!streamed) {
                current.leave();
            }
        }
    }

    /** MCP sessions open now. */
    public int sessions() {
        return sessions.count();
    }

    /** Stops ending idle sessions. */
    @Override
    public void close() {
        sessions.close();
    }

    /** {@code GET /mcp}: 405, as this server offers no stream of its own messages. */
    public McpAnswer get(McpHeaders headers) {
        return foreignOrigin(headers).orElseGet(() -> new McpAnswer(405, Map.of("Allow", ALLOWED_METHODS),
                Optional.of(JsonRpc.error(null, JsonRpc.TRANSPORT_ERROR, "this server sends no messages of its own"
                        + " and so offers no SSE stream; POST JSON-RPC messages to " + PATH))));
    }

    /** {@code DELETE /mcp}: ends the session and its interpreter; every process of it is gone when this answers. */
    public McpAnswer delete(McpHeaders headers) throws InterruptedException {
        Optional<McpAnswer> refused = foreignOrigin(headers);
        if (refused.isPresent()) {
            return refused.get();
        }
        if (headers.sessionId().isPresent() && sessions.end(headers.sessionId().get())) {
            log.info("MCP session ended by the client");
            return McpAnswer.empty(204);
        }
        return missingSession(headers);
    }

    private McpAnswer initialize(JsonRpcMessage request) {
        String version;
        try {
            version = ProtocolVersions.negotiate(McpMethods.requestedVersion(request.params()));
        } catch (JsonRpcException e) {
            return McpAnswer.json(200, JsonRpc.error(request.id(), e.code(), e.getMessage()));
        }
        Optional<McpSession> session = sessions.open();
        if (session.isEmpty()) {
            return McpAnswer.json(503, JsonRpc.error(request.id(), JsonRpc.TRANSPORT_ERROR, "there are already "
                    + McpSessions.MAX_SESSIONS + " MCP sessions, each with a Python interpreter; end one first"));
        }
        log.info("MCP session {} opened: protocol {}", session.get().id(), version);
        return new McpAnswer(200, Map.of(SESSION_HEADER, session.get().id()),
                Optional.of(JsonRpc.result(request.id(), methods.initialized(version))));
    }

    /** JSON, or a stream for a {@code tools/call} with a progress token from a client that takes one. */
    private McpAnswer respond(McpSession session, JsonRpcMessage request, McpHeaders headers) {
        Optional<JsonNode> token = ProgressReporter.token(request);
        if (!request.method().equals("tools/call") || token.isEmpty() || !headers.acceptsEventStream()) {
            return McpAnswer.json(200, legacyAnswer(session, request, ExecutionListener.NONE));
        }
        return McpAnswer.streamed(sink -> {
            try (ProgressReporter progress = ProgressReporter.start(token.get(), sink, timer, heartbeat)) {
                progress.finish(legacyAnswer(session, request, progress));
            }
        });
    }

    /** The response to a request of a legacy session, whose client may cancel it by its id meanwhile. */
    private JsonNode legacyAnswer(McpSession session, JsonRpcMessage request, ExecutionListener progress) {
        String key = request.id().toString();
        CallStop stop = session.begin(key);
        try {
            return methods.respond(Optional.of(session), request, stop, progress);
        } finally {
            session.finished(key, stop);
        }
    }

    private JsonNode parse(byte[] body) throws JsonRpcException {
        try {
            JsonNode parsed = body.length == 0 ? null : json.readTree(body);
            if (parsed == null || parsed.isMissingNode()) {
                throw new JsonRpcException(JsonRpc.PARSE_ERROR, "the body is empty; send one JSON-RPC message");
            }
            return parsed;
        } catch (JacksonException e) {
            throw new JsonRpcException(JsonRpc.PARSE_ERROR, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new JsonRpcException(JsonRpc.PARSE_ERROR, "the body could not be read as JSON: " + e.getMessage());
        }
    }

    /** 403 for a browser page that is not served from this machine's loopback. */
    private static Optional<McpAnswer> foreignOrigin(McpHeaders headers) {
        return headers.origin().filter(origin -> !Origins.isLoopback(origin)).map(origin -> McpAnswer.refused(403,
                JsonRpc.TRANSPORT_ERROR, "requests from origin '" + origin + "' are refused: only pages served from"
                        + " localhost, 127.0.0.1 or [::1] may use " + PATH));
    }

    /** 400 without a session header, 404 for a session that is unknown or has ended, as the transport prescribes. */
    private static McpAnswer missingSession(McpHeaders headers) {
        if (headers.sessionId().isEmpty()) {
            return McpAnswer.refused(400, JsonRpc.TRANSPORT_ERROR, "the " + SESSION_HEADER + " header is required:"
                    + " send initialize first and then the session id it answered with");
        }
        return McpAnswer.refused(404, JsonRpc.SESSION_NOT_FOUND, "no MCP session has this " + SESSION_HEADER
                + " (it never existed or has ended); send initialize without it to start a new session");
    }
}
