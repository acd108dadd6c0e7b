package dev.interpreterd.mcp;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Which browser origins may talk to {@code /mcp}: only pages served from this machine's loopback,
 * so that a web page elsewhere cannot reach the daemon through DNS rebinding.
 */
final class Origins {

    private static final Set<String> SCHEMES = Set.of("http", "https");
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");

    private Origins() {
    }

    /** True for {@code http(s)://localhost}, {@code 127.0.0.1} or {@code [::1]}, on any port, and nothing else. */
    static boolean isLoopback(String origin) {
        try {
            URI uri = new URI(origin);
            String path = uri.getRawPath();
            return uri.getScheme() != null && SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))
                    && uri.getHost() != null && LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT))
                    && uri.getRawUserInfo() == null && (path == null || path.isEmpty())
                    && uri.getRawQuery() == null && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
