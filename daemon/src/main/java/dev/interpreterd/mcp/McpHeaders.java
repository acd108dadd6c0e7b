package dev.interpreterd.mcp;

import java.util.Objects;
import java.util.Optional;

/**
 * The request headers the MCP transport looks at.
 *
 * @param origin {@code Origin}, which browsers send
 * @param sessionId {@code Mcp-Session-Id}, on every request after {@code initialize}
 * @param protocolVersion {@code MCP-Protocol-Version}, on every request after {@code initialize}
 */
public record McpHeaders(Optional<String> origin, Optional<String> sessionId, Optional<String> protocolVersion) {

    /** Rejects missing values. */
    public McpHeaders {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
    }
}
