package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.mcp.McpServer;
import dev.interpreterd.mcp.McpSettings;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/** The handlers of every route but the start's answer, made once the daemon can run code. */
record Handlers(ExecuteHandler execute, ContextHandlers context, McpServer mcpServer, McpHandlers mcp,
                HealthHandler health) {

    /** The handlers that serve from {@code backend}, configured by {@code config}. */
    static Handlers of(Config config, Backend backend, ObjectMapper json, String version,
                       ScheduledExecutorService keepalives) {
        BodyReader body = new BodyReader();
        NetworkPolicy network = new NetworkPolicy(config.network(), backend.host().networkIsolation());
        ExecuteHandler execute = new ExecuteHandler(backend.executions(), json, body,
                config.defaultTimeout(), config.maxTimeout(), config.limits(), network, backend.host().workDir(), keepalives,
                config.keepalive());
        ContextHandlers context = new ContextHandlers(backend.contexts(), json, body, config.limits(), network,
                backend.host().workDir());
        // An MCP session's context has every default: the work directory, no extra variables, the
        // daemon's limits and its --network.
        McpSettings mcpSettings = new McpSettings(version, config.defaultTimeout(), config.maxTimeout(),
                config.contextIdleTimeout(), config.mcpSessionIdleTimeout(), config.idPrefix(),
                new ContextSettings(backend.host().workDir(), Map.of(), config.limits(), config.network()),
                config.keepalive());
        McpServer mcpServer = new McpServer(backend.executions(), backend.contexts(), mcpSettings, json, keepalives,
                backend.clock());
        HealthHandler health = new HealthHandler(backend.executions(), backend.contexts(), mcpServer::sessions, json,
                version, backend.host());
        return new Handlers(execute, context, mcpServer, new McpHandlers(mcpServer, body, json), health);
    }
}
