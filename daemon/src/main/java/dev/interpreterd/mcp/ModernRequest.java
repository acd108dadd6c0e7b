package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The checks of a request of MCP's modern era (2026-07-28 and later), which has no session: each
 * request names its protocol version, client and capabilities in {@code params._meta}, and mirrors
 * its version, method, tool name and header-marked arguments in headers. Checked in the order the
 * revision's server validation gives; the first failure is the refusal, with the request's id.
 */
final class ModernRequest {

    /** The {@code _meta} key of the request's protocol version. */
    static final String VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
    /** The {@code _meta} key of the client's name and version. */
    static final String CLIENT_INFO_KEY = "io.modelcontextprotocol/clientInfo";
    /** The {@code _meta} key of the client's capabilities for this request. */
    static final String CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";
    /** The result {@code _meta} key that names the server. */
    static final String SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SENTINEL_START = "=?base64?";
    private static final String SENTINEL_END = "?=";
    private static final Pattern CANONICAL_BASE64 =
            Pattern.compile("(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");

    private ModernRequest() {
    }

    /** True when the message claims the modern era: its {@code params._meta} names a protocol version. */
    static boolean claims(JsonRpcMessage message) {
        return message.params().path("_meta").has(VERSION_KEY);
    }

    /**
     * The refusal of a modern request that fails a check, or empty when it passes them all.
     *
     * @param known the methods this server answers in the modern era
     */
    static Optional<McpAnswer> refusal(JsonRpcMessage request, McpHeaders headers, List<String> known) {
        JsonNode meta = request.params().path("_meta");
        if (!claims(request)) {
            if (request.method().equals("initialize")) {
                return mismatch(request, headers.protocolVersion().orElse(""), "an initialize request (the legacy"
                        + " handshake) came with the modern MCP-Protocol-Version header " + headers.protocolVersion().orElse(""));
            }
            ObjectNode data = NODES.objectNode();
            data.putObject("envelope").putArray("missing").add(VERSION_KEY).add(CAPABILITIES_KEY);
            return refuse(request, 400, JsonRpc.INVALID_PARAMS, "the MCP-Protocol-Version header names the modern"
                    + " version " + headers.protocolVersion().orElse("") + ", but params._meta lacks "
                    + VERSION_KEY + " and " + CAPABILITIES_KEY + ", which every modern request carries", data);
        }
        Optional<ObjectNode> envelope = envelopeProblem(meta);
        if (envelope.isPresent()) {
            ObjectNode data = NODES.objectNode();
            data.set("envelope", envelope.get());
            return refuse(request, 400, JsonRpc.INVALID_PARAMS, "invalid _meta: " + envelope.get().path("key").asText()
                    + ": " + envelope.get().path("problem").asText(), data);
        }
        String version = meta.get(VERSION_KEY).textValue();
        if (headers.protocolVersion().isPresent() && !headers.protocolVersion().get().equals(version)) {
            return mismatch(request, headers.protocolVersion().get(), "params._meta names protocol version "
                    + version + " but the MCP-Protocol-Version header names " + headers.protocolVersion().get());
        }
        if (headers.method().isPresent() && !headers.method().get().equals(request.method())) {
            return mismatch(request, headers.method().get(), "the body's method is " + request.method()
                    + " but the Mcp-Method header names " + headers.method().get());
        }
        if (!ProtocolVersions.MODERN.contains(version)) {
            ObjectNode data = NODES.objectNode();
            ArrayNode supported = data.putArray("supported");
            ProtocolVersions.MODERN.forEach(supported::add);
            ProtocolVersions.SUPPORTED.forEach(supported::add);
            data.put("requested", version);
            return refuse(request, 400, JsonRpc.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version " + version
                    + ": this server speaks " + String.join(", ", ProtocolVersions.MODERN) + " per request, and "
                    + String.join(", ", ProtocolVersions.SUPPORTED) + " through initialize", data);
        }
        if (headers.protocolVersion().isEmpty()) {
            return mismatch(request, "(missing)", "params._meta names protocol version " + version
                    + " but the required MCP-Protocol-Version header is absent");
        }
        if (headers.method().isEmpty()) {
            return mismatch(request, "(missing)", "the body's method is " + request.method()
                    + " but the required Mcp-Method header is absent");
        }
        if (!known.contains(request.method())) {
            return refuse(request, 404, JsonRpc.METHOD_NOT_FOUND, "Method not found: " + request.method()
                    + "; in the modern era this server has " + String.join(", ", known), null);
        }
        if (request.method().equals("tools/call")) {
            return toolHeaders(request, headers);
        }
        return Optional.empty();
    }

    /** {@code Mcp-Name} against the tool's name, and {@code Mcp-Param-ContextId} against the argument. */
    private static Optional<McpAnswer> toolHeaders(JsonRpcMessage request, McpHeaders headers) {
        JsonNode name = request.params().path("name");
        if (name.isTextual()) {
            if (headers.name().isEmpty()) {
                return mismatch(request, "(missing)", "the body calls the tool " + name.textValue()
                        + " but the required Mcp-Name header is absent");
            }
            Optional<String> decoded = decode(headers.name().get());
            if (decoded.isEmpty() || !decoded.get().equals(name.textValue())) {
                return mismatch(request, headers.name().get(), "the body calls the tool " + name.textValue()
                        + " but the Mcp-Name header " + (decoded.isEmpty() ? "is not validly encoded"
                        : "names " + decoded.get()));
            }
        }
        JsonNode contextId = request.params().path("arguments").path(ToolDefinitions.CONTEXT_ID);
        if (!ToolDefinitions.NAMES.contains(name.asText()) || !contextId.isValueNode() || contextId.isNull()) {
            return Optional.empty(); // not our tool, or the argument is absent, null or not a primitive
        }
        String header = McpHeaders.PARAM_PREFIX + ToolDefinitions.CONTEXT_HEADER;
        Optional<String> value = headers.param(ToolDefinitions.CONTEXT_HEADER);
        if (value.isEmpty()) {
            return mismatch(request, header, "the body carries " + ToolDefinitions.CONTEXT_ID + "="
                    + contextId + " but the " + header + " header is absent");
        }
        Optional<String> decoded = decode(value.get());
        if (decoded.isEmpty() || !decoded.get().equals(contextId.asText())) {
            return mismatch(request, header, "the body carries " + ToolDefinitions.CONTEXT_ID + "=" + contextId
                    + " but the " + header + " header " + (decoded.isEmpty() ? "is not validly encoded"
                    : "names " + decoded.get()));
        }
        return Optional.empty();
    }

    /** What is wrong with the request's {@code _meta}, if anything: {@code {"key", "problem"}}. */
    private static Optional<ObjectNode> envelopeProblem(JsonNode meta) {
        if (!meta.get(VERSION_KEY).isTextual()) {
            return problem(VERSION_KEY, "must be a protocol version string such as \"" + ProtocolVersions.MODERN.get(0)
                    + "\"");
        }
        if (!meta.has(CAPABILITIES_KEY)) {
            return problem(CAPABILITIES_KEY, "missing: it is required (an empty object for a client without"
                    + " optional capabilities)");
        }
        if (!meta.get(CAPABILITIES_KEY).isObject()) {
            return problem(CAPABILITIES_KEY, "must be an object");
        }
        JsonNode client = meta.get(CLIENT_INFO_KEY);
        if (client != null && !(client.isObject() && client.path("name").isTextual()
                && client.path("version").isTextual())) {
            return problem(CLIENT_INFO_KEY, "must be an object with a string name and version");
        }
        return Optional.empty();
    }

    private static Optional<ObjectNode> problem(String key, String problem) {
        ObjectNode issue = NODES.objectNode();
        issue.put("key", key);
        issue.put("problem", problem);
        return Optional.of(issue);
    }

    /**
     * A header value as the client meant it: as it is, or decoded from the {@code =?base64?...?=}
     * form clients use for values a header cannot carry; empty for a malformed encoded one.
     */
    static Optional<String> decode(String value) {
        if (!value.startsWith(SENTINEL_START) || !value.endsWith(SENTINEL_END)
                || value.length() < SENTINEL_START.length() + SENTINEL_END.length()) {
            return Optional.of(value);
        }
        String encoded = value.substring(SENTINEL_START.length(), value.length() - SENTINEL_END.length());
        if (!CANONICAL_BASE64.matcher(encoded).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Base64.getDecoder().decode(encoded))).toString());
        } catch (CharacterCodingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** 400 with {@code HeaderMismatch}, naming the header's value and what the body says. */
    private static Optional<McpAnswer> mismatch(JsonRpcMessage request, String header, String body) {
        ObjectNode data = NODES.objectNode();
        ObjectNode mismatch = data.putObject("mismatch");
        mismatch.put("header", header);
        mismatch.put("body", body);
        return refuse(request, 400, JsonRpc.HEADER_MISMATCH, "Bad Request: the request headers and body disagree: "
                + body, data);
    }

    private static Optional<McpAnswer> refuse(JsonRpcMessage request, int status, int code, String message,
                                              JsonNode data) {
        return Optional.of(McpAnswer.json(status, JsonRpc.error(request.id(), code, message, data)));
    }
}
