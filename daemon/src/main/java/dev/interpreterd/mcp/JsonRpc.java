package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON-RPC 2.0 as MCP uses it: the error codes, the two shapes of a response, and a notification. */
final class JsonRpc {

    /** The body is not JSON. */
    static final int PARSE_ERROR = -32700;
    /** The body is JSON but not a JSON-RPC message. */
    static final int INVALID_REQUEST = -32600;
    /** No such method. */
    static final int METHOD_NOT_FOUND = -32601;
    /** The method exists; its params do not fit it. */
    static final int INVALID_PARAMS = -32602;
    /** The daemon failed. */
    static final int INTERNAL_ERROR = -32603;
    /** A refusal of the transport (a missing session header, a foreign origin), from the range left to servers. */
    static final int TRANSPORT_ERROR = -32000;
    /** The session named by the request is not known, or has ended. */
    static final int SESSION_NOT_FOUND = -32001;
    /** A modern request whose headers contradict its body, or lack what the body needs mirrored. */
    static final int HEADER_MISMATCH = -32020;
    /** A modern request names a protocol version this server does not speak. */
    static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonRpc() {
    }

    /** {@code {"jsonrpc": "2.0", "id": id, "result": result}}. */
    static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = envelope(id);
        response.set("result", result);
        return response;
    }

    /** {@code {"jsonrpc": "2.0", "id": id, "error": {"code", "message"}}}; a null id for an unknown request. */
    static ObjectNode error(JsonNode id, int code, String message) {
        return error(id, code, message, null);
    }

    /** An error response whose error carries {@code data} too, unless it is null. */
    static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode error = NODES.objectNode();
        error.put("code", code);
        error.put("message", message);
        if (data != null) {
            error.set("data", data);
        }
        ObjectNode response = envelope(id);
        response.set("error", error);
        return response;
    }

    /** {@code {"jsonrpc": "2.0", "method": method, "params": params}}: a message that wants no answer. */
    static ObjectNode notification(String method, JsonNode params) {
        ObjectNode notification = NODES.objectNode();
        notification.put("jsonrpc", "2.0");
        notification.put("method", method);
        notification.set("params", params);
        return notification;
    }

    private static ObjectNode envelope(JsonNode id) {
        ObjectNode response = NODES.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id == null ? NullNode.getInstance() : id);
        return response;
    }
}
