package dev.interpreterd.mcp;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The request headers the MCP transport looks at.
 *
 * @param origin {@code Origin}, which browsers send
 * @param sessionId {@code Mcp-Session-Id}, on every legacy request after {@code initialize}
 * @param protocolVersion {@code MCP-Protocol-Version}: on every legacy request after {@code initialize},
 *                        and on every modern request
 * @param accept {@code Accept}, which says whether the client takes an SSE stream
 * @param method {@code Mcp-Method}, the JSON-RPC method, on every modern request
 * @param name {@code Mcp-Name}, the tool's name, on a modern {@code tools/call}
 * @param params the {@code Mcp-Param-*} headers of a modern {@code tools/call}, by the lower-case name
 *               after that prefix
 */
public record McpHeaders(Optional<String> origin, Optional<String> sessionId, Optional<String> protocolVersion,
                         Optional<String> accept, Optional<String> method, Optional<String> name,
                         Map<String, String> params) {

    /** The media type of an SSE stream. */
    public static final String EVENT_STREAM = "text/event-stream";
    /** What the name of a header that mirrors a tool argument begins with. */
    public static final String PARAM_PREFIX = "Mcp-Param-";

    /** Rejects missing values; header values lose the blanks around them, as HTTP has it. */
    public McpHeaders {
        origin = trimmed(origin, "origin");
        sessionId = trimmed(sessionId, "sessionId");
        protocolVersion = trimmed(protocolVersion, "protocolVersion");
        accept = trimmed(accept, "accept");
        method = trimmed(method, "method");
        name = trimmed(name, "name");
        params = Map.copyOf(params);
    }

    /** The headers of a legacy client, which sends none of the modern ones. */
    public McpHeaders(Optional<String> origin, Optional<String> sessionId, Optional<String> protocolVersion,
                      Optional<String> accept) {
        this(origin, sessionId, protocolVersion, accept, Optional.empty(), Optional.empty(), Map.of());
    }

    /** True when {@code Accept} names {@value #EVENT_STREAM}, so that a request may be answered with a stream. */
    public boolean acceptsEventStream() {
        return accept.filter(value -> value.toLowerCase(Locale.ROOT).contains(EVENT_STREAM)).isPresent();
    }

    /** The {@code Mcp-Param-<name>} header, whatever the case of its name. */
    Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT))).map(String::strip);
    }

    private static Optional<String> trimmed(Optional<String> value, String field) {
        return Objects.requireNonNull(value, field).map(String::strip);
    }
}
