package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;

/**
 * One JSON-RPC 2.0 message from the client, as the body of one POST.
 *
 * @param kind a request (answered), a notification or a response (both only acknowledged)
 * @param id the request's id, a string or a number; null for a notification
 * @param method the method; null for a response
 * @param params the params, an empty object when the message has none
 */
record JsonRpcMessage(Kind kind, JsonNode id, String method, JsonNode params) {

    /** What the message is. */
    enum Kind {
        /** It has a method and an id, and wants a response. */
        REQUEST,
        /** It has a method and no id. */
        NOTIFICATION,
        /** It answers a request of the server's. */
        RESPONSE
    }

    JsonRpcMessage {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(params, "params");
    }

    /**
     * Reads a parsed body.
     *
     * @throws JsonRpcException {@link JsonRpc#INVALID_REQUEST} saying what is not JSON-RPC about it
     */
    static JsonRpcMessage of(JsonNode body) throws JsonRpcException {
        if (body.isArray()) {
            throw invalid("a batch (a JSON array) is not accepted: send one JSON-RPC message per POST");
        }
        if (!body.isObject()) {
            throw invalid("the body must be one JSON-RPC 2.0 message, a JSON object");
        }
        JsonNode version = body.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.textValue().equals("2.0")) {
            throw invalid("field 'jsonrpc' must be \"2.0\"");
        }
        JsonNode id = body.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            throw invalid("field 'id' must be a string or a whole number");
        }
        JsonNode method = body.get("method");
        if (method == null) {
            if (id != null && (body.has("result") || body.has("error"))) {
                return new JsonRpcMessage(Kind.RESPONSE, id, null, emptyObject());
            }
            throw invalid("field 'method' is required (a response needs 'id' and 'result' or 'error')");
        }
        if (!method.isTextual() || method.textValue().isEmpty()) {
            throw invalid("field 'method' must be a non-empty string");
        }
        JsonNode params = body.get("params");
        if (params == null || params.isNull()) {
            params = emptyObject();
        }
        return new JsonRpcMessage(id == null ? Kind.NOTIFICATION : Kind.REQUEST, id, method.textValue(), params);
    }

    private static JsonNode emptyObject() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static JsonRpcException invalid(String message) {
        return new JsonRpcException(JsonRpc.INVALID_REQUEST, message);
    }
}
