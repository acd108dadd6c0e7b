package dev.interpreterd.mcp;

import java.util.List;

/**
 * The MCP protocol versions this server speaks, in two eras: the legacy ones, agreed on once at
 * {@code initialize} for a session, and the modern ones, named by each request in its {@code _meta}.
 */
final class ProtocolVersions {

    /** Legacy versions, newest first. */
    static final List<String> SUPPORTED = List.of("2025-11-25", "2025-06-18");
    /** Modern versions, newest first: what {@code server/discover} offers. */
    static final List<String> MODERN = List.of("2026-07-28");
    /** The first modern version; versions are dates, so later ones sort after it. */
    private static final String FIRST_MODERN = "2026-07-28";

    private ProtocolVersions() {
    }

    /** The client's version when it is one of ours, else our newest, for the client to accept or leave. */
    static String negotiate(String requested) {
        return SUPPORTED.contains(requested) ? requested : SUPPORTED.get(0);
    }

    /** True for a legacy version this server speaks. */
    static boolean supported(String version) {
        return SUPPORTED.contains(version);
    }

    /** True for a version of the modern era, whether or not this server speaks it. */
    static boolean modern(String version) {
        return version.compareTo(FIRST_MODERN) >= 0;
    }
}
