package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the transport answers one HTTP request with.
 *
 * @param status the HTTP status
 * @param headers headers to set, such as {@code Mcp-Session-Id} or {@code Allow}
 * @param body the JSON body; empty for none (202, 204)
 */
public record McpAnswer(int status, Map<String, String> headers, Optional<JsonNode> body) {

    /** Copies the headers and rejects missing values. */
    public McpAnswer {
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** A JSON body with this status. */
    static McpAnswer json(int status, JsonNode body) {
        return new McpAnswer(status, Map.of(), Optional.of(body));
    }

    /** No body, as for 202 and 204. */
    static McpAnswer empty(int status) {
        return new McpAnswer(status, Map.of(), Optional.empty());
    }

    /** A transport error: the status and a JSON-RPC error with no id. */
    static McpAnswer refused(int status, int code, String message) {
        return json(status, JsonRpc.error(null, code, message));
    }
}
