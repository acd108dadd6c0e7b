package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.exec.ExecutionListener;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP methods this server has, past {@code initialize}: {@code ping}, {@code tools/list} and
 * {@code tools/call} in both eras, {@code server/discover} in the modern one, and the notifications
 * it heeds. Transport matters (sessions, headers, HTTP statuses, what the modern era adds to each
 * result) are the caller's.
 */
final class McpMethods {

    private static final Logger log = LoggerFactory.getLogger(McpMethods.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String INSTRUCTIONS = "Runs Python 3 code for you. Use " + ToolDefinitions.EXECUTE
            + " to compute, analyse data or make plots: an interpreter keeps its state between calls, like a"
            + " notebook, and plots come back as images. Each answer names its interpreter's "
            + ToolDefinitions.CONTEXT_ID + "; pass it back to keep the state. Use " + ToolDefinitions.RESET
            + " to start over and " + ToolDefinitions.CLOSE + " when done.";
    /** The methods of the modern era, for its {@code Mcp-Method} checks and unknown-method refusals. */
    static final List<String> MODERN = List.of("server/discover", "tools/list", "tools/call");

    private final McpSettings settings;
    private final PythonTools tools;
    private final ArrayNode legacyTools;
    private final ArrayNode modernTools;

    McpMethods(McpSettings settings, PythonTools tools) {
        this.settings = settings;
        this.tools = tools;
        this.legacyTools = ToolDefinitions.of(settings, false);
        this.modernTools = ToolDefinitions.of(settings, true);
    }

    /**
     * The protocol version the client asked for at {@code initialize}.
     *
     * @throws JsonRpcException {@link JsonRpc#INVALID_PARAMS} when it names none
     */
    static String requestedVersion(JsonNode params) throws JsonRpcException {
        JsonNode version = params.path("protocolVersion");
        if (!version.isTextual()) {
            throw JsonRpcException.invalidParams("initialize needs params.protocolVersion, a string such as \""
                    + ProtocolVersions.SUPPORTED.get(0) + "\"");
        }
        return version.textValue();
    }

    /** The answer to {@code initialize}, in the version agreed on. */
    ObjectNode initialized(String protocolVersion) {
        ObjectNode result = NODES.objectNode();
        result.put("protocolVersion", protocolVersion);
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        result.set("serverInfo", serverInfo());
        result.put("instructions", INSTRUCTIONS);
        return result;
    }

    /** The answer to {@code server/discover}: the modern versions, the capabilities and the instructions. */
    ObjectNode discovered() {
        ObjectNode result = NODES.objectNode();
        ArrayNode versions = result.putArray("supportedVersions");
        ProtocolVersions.MODERN.forEach(versions::add);
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        result.put("instructions", INSTRUCTIONS);
        return result;
    }

    /** Who this server is, as {@code initialize} and every modern result tell it. */
    ObjectNode serverInfo() {
        ObjectNode server = NODES.objectNode();
        server.put("name", "interpreterd");
        server.put("title", "interpreterd: Python in a sandbox");
        server.put("version", settings.version());
        return server;
    }

    /**
     * Answers a request of an initialized legacy session, or with {@code session} empty, a modern
     * request; a {@code tools/call} can be cancelled through {@code stop}, and tells {@code progress}
     * about its code's output as it comes.
     *
     * @throws JsonRpcException for an unknown method or params that do not fit the method
     */
    JsonNode answer(Optional<McpSession> session, JsonRpcMessage request, CallStop stop, ExecutionListener progress)
            throws JsonRpcException, InterruptedException {
        requireObject(request.params(), "params");
        return switch (request.method()) {
            case "ping" -> NODES.objectNode();
            case "server/discover" -> discovered();
            case "tools/list" -> {
                ObjectNode result = NODES.objectNode();
                result.set("tools", session.isPresent() ? legacyTools : modernTools);
                yield result;
            }
            case "tools/call" -> call(session, request, stop, progress);
            case "initialize" -> throw new JsonRpcException(JsonRpc.INVALID_REQUEST, "this session is initialized"
                    + " already; send initialize without an Mcp-Session-Id header to start a new session");
            default -> throw new JsonRpcException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + request.method()
                    + "; this server has initialize, ping, tools/list and tools/call");
        };
    }

    /**
     * The JSON-RPC response to a request: its result, or the error it failed with, a failure of the
     * daemon's own included.
     */
    JsonNode respond(Optional<McpSession> session, JsonRpcMessage request, CallStop stop, ExecutionListener progress) {
        try {
            return JsonRpc.result(request.id(), answer(session, request, stop, progress));
        } catch (JsonRpcException e) {
            return JsonRpc.error(request.id(), e.code(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JsonRpc.error(request.id(), JsonRpc.INTERNAL_ERROR, "the daemon is stopping");
        } catch (RuntimeException e) {
            log.error("MCP {} failed", request.method(), e);
            return JsonRpc.error(request.id(), JsonRpc.INTERNAL_ERROR, "the daemon failed: " + e);
        }
    }

    /** Heeds a notification: a cancelled call is stopped as its timeout would stop it; others need nothing. */
    void heed(McpSession session, JsonRpcMessage notification) {
        if (notification.method().equals("notifications/cancelled")) {
            JsonNode id = notification.params().path("requestId");
            if (id.isTextual() || id.isIntegralNumber()) {
                String reason = notification.params().path("reason").asText("");
                session.cancel(id.toString(), "the client cancelled the call" + (reason.isEmpty() ? "" : ": " + reason));
            }
        }
    }

    private JsonNode call(Optional<McpSession> session, JsonRpcMessage request, CallStop stop,
                          ExecutionListener progress)
            throws JsonRpcException, InterruptedException {
        JsonNode name = request.params().get("name");
        if (name == null || !name.isTextual()) {
            throw JsonRpcException.invalidParams("tools/call needs params.name, the tool's name as a string");
        }
        JsonNode arguments = request.params().path("arguments");
        if (arguments.isMissingNode() || arguments.isNull()) {
            arguments = NODES.objectNode();
        }
        requireObject(arguments, "params.arguments");
        return tools.call(session, name.textValue(), arguments, stop, progress).toJson();
    }

    private static void requireObject(JsonNode node, String field) throws JsonRpcException {
        if (!node.isObject()) {
            throw JsonRpcException.invalidParams("'" + field + "' must be an object");
        }
    }
}
