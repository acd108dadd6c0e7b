package dev.interpreterd.mcp;

import java.util.List;

/** The MCP protocol versions this server speaks, and the choice of one at {@code initialize}. */
final class ProtocolVersions {

    /** Newest first. */
    static final List<String> SUPPORTED = List.of("2025-11-25", "2025-06-18");

    private ProtocolVersions() {
    }

    /** The client's version when it is one of ours, else our newest, for the client to accept or leave. */
    static String negotiate(String requested) {
        return SUPPORTED.contains(requested) ? requested : SUPPORTED.get(0);
    }

    /** True for a version this server speaks. */
    static boolean supported(String version) {
        return SUPPORTED.contains(version);
    }
}
