package dev.interpreterd.mcp;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The request headers the MCP transport looks at.
 *
 * @param origin {@code Origin}, which browsers send
 * @param sessionId {@code Mcp-Session-Id}, on every request after {@code initialize}
 * @param protocolVersion {@code MCP-Protocol-Version}, on every request after {@code initialize}
 * @param accept {@code Accept}, which says whether the client takes an SSE stream
 */
public record McpHeaders(Optional<String> origin, Optional<String> sessionId, Optional<String> protocolVersion,
                         Optional<String> accept) {

    /** The media type of an SSE stream. */
    public static final String EVENT_STREAM = "text/event-stream";

    /** Rejects missing values. */
    public McpHeaders {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(accept, "accept");
    }

    /** True when {@code Accept} names {@value #EVENT_STREAM}, so that a request may be answered with a stream. */
    public boolean acceptsEventStream() {
        return accept.filter(value -> value.toLowerCase(Locale.ROOT).contains(EVENT_STREAM)).isPresent();
    }
}
