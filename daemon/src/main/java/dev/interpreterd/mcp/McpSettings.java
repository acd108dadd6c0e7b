package dev.interpreterd.mcp;

import dev.interpreterd.context.ContextSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * What the MCP endpoint takes from the daemon's configuration.
 *
 * @param version the daemon's version, told to clients at {@code initialize}
 * @param defaultTimeout the timeout of a call that names none ({@code --default-timeout})
 * @param maxTimeout the largest timeout a call may ask for ({@code --max-timeout})
 * @param contextIdleTimeout how long a session's interpreter lives without a call; zero for ever
 * @param sessionIdleTimeout how long a session lives without a request; zero for ever
 * @param idPrefix what each session id begins with ({@code --id-prefix}), as context ids do
 * @param context what each session's context is made with: the daemon's defaults
 * @param heartbeat silence after which a call that asked for progress gets a notification anyway
 *                  ({@code --keepalive}, at most 30 s)
 */
public record McpSettings(String version, Duration defaultTimeout, Duration maxTimeout, Duration contextIdleTimeout,
                          Duration sessionIdleTimeout, String idPrefix, ContextSettings context, Duration heartbeat) {

    /** Rejects missing values. */
    public McpSettings {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(defaultTimeout, "defaultTimeout");
        Objects.requireNonNull(maxTimeout, "maxTimeout");
        Objects.requireNonNull(contextIdleTimeout, "contextIdleTimeout");
        Objects.requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
        Objects.requireNonNull(idPrefix, "idPrefix");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(heartbeat, "heartbeat");
    }
}
