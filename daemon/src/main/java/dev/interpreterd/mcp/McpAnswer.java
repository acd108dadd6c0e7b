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
 * @param body the JSON body; empty for none (202, 204) and for a stream
 * @param stream messages to send as an SSE stream instead of a body; empty for a plain answer
 */
public record McpAnswer(int status, Map<String, String> headers, Optional<JsonNode> body, Optional<McpStream> stream) {

    /** Copies the headers and rejects missing values and an answer that is both a body and a stream. */
    public McpAnswer {
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(stream, "stream");
        if (body.isPresent() && stream.isPresent()) {
            throw new IllegalArgumentException("an answer is a JSON body or a stream, not both");
        }
    }

    /** A plain answer: a JSON body, or none. */
    public McpAnswer(int status, Map<String, String> headers, Optional<JsonNode> body) {
        this(status, headers, body, Optional.empty());
    }

    /** A JSON body with this status. */
    static McpAnswer json(int status, JsonNode body) {
        return new McpAnswer(status, Map.of(), Optional.of(body));
    }

    /** No body, as for 202 and 204. */
    static McpAnswer empty(int status) {
        return new McpAnswer(status, Map.of(), Optional.empty());
    }

    /** A 200 whose messages are sent as they come. */
    static McpAnswer streamed(McpStream stream) {
        return new McpAnswer(200, Map.of(), Optional.empty(), Optional.of(stream));
    }

    /** The same answer with another stream in place of its own. */
    McpAnswer withStream(McpStream replacement) {
        return new McpAnswer(status, headers, body, Optional.of(replacement));
    }

    /** A transport error: the status and a JSON-RPC error with no id. */
    static McpAnswer refused(int status, int code, String message) {
        return json(status, JsonRpc.error(null, code, message));
    }
}
