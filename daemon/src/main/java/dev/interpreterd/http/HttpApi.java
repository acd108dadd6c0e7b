package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.PythonLocator;
import dev.interpreterd.exec.RejectedException;
import dev.interpreterd.exec.box.ContextException;
import dev.interpreterd.exec.box.ContextSettings;
import dev.interpreterd.exec.box.Contexts;
import dev.interpreterd.mcp.McpServer;
import dev.interpreterd.mcp.McpSettings;
import dev.interpreterd.os.Threads;
import dev.interpreterd.user.WorkerUser;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP front door: routes, authentication and the mapping of failures to JSON errors. */
public final class HttpApi implements AutoCloseable {

    /** The one execution endpoint. */
    public static final String EXECUTE_PATH = "/process/interpreter/execute";
    /**
     * Connections open at once: 512; past them, a new connection is answered 503 at once instead of
     * waiting for one to close. That is far more than the daemon serves at once (8 slots and a queue
     * of 64 by default, each client with a connection or a few), and room for hundreds of clients
     * that send half a request (each cut off within seconds) without shutting out the others; and it
     * keeps the daemon's file descriptors, which the executions' pipes share, well within the usual
     * limits. A connection waiting for its body holds no thread, so the cap need not follow the
     * thread pool (250).
     */
    public static final int MAX_CONNECTIONS = 512;
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final Duration ANSWER_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final Javalin app;
    private final Config config;
    private final ObjectMapper json;
    private final InFlight inFlight = new InFlight();
    private final McpServer mcpServer;
    private final ScheduledExecutorService keepalives =
            Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-keepalive"));

    /**
     * Declares the routes; nothing listens until {@link #start()}. The interpreter, network isolation,
     * worker user and work directory are what the daemon found out at start.
     */
    public HttpApi(Config config, ExecutionService executions, Contexts contexts, ObjectMapper json, String version,
                   PythonLocator.Python python, boolean networkIsolation, WorkerUser user, Path workDir) {
        this.config = config;
        this.json = json;
        BodyReader body = new BodyReader();
        ExecuteHandler execute = new ExecuteHandler(executions, json, body,
                config.defaultTimeout(), config.maxTimeout(), config.limits(),
                new NetworkPolicy(config.network(), networkIsolation), workDir, keepalives, config.keepalive());
        ContextHandlers context = new ContextHandlers(contexts, json, body,
                config.limits(), new NetworkPolicy(config.network(), networkIsolation), workDir);
        // An MCP session's context has every default: the work directory, no extra variables, the
        // daemon's limits and its --network.
        McpSettings mcpSettings = new McpSettings(version, config.defaultTimeout(), config.maxTimeout(),
                config.contextIdleTimeout(), config.mcpSessionIdleTimeout(),
                new ContextSettings(workDir, Map.of(), config.limits(), config.network()), config.keepalive());
        this.mcpServer = new McpServer(executions, contexts, mcpSettings, json, keepalives);
        McpHandlers mcp = new McpHandlers(mcpServer, body, json);
        HealthHandler health = new HealthHandler(executions, contexts, mcpServer::sessions, json, version, python,
                networkIsolation, user);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.prefer405over404 = true;
            JettySetup.apply(cfg, config.host(), config.port(), MAX_CONNECTIONS, BodyLimits.of(config.maxBodyBytes()),
                    json);
            // After-handlers run even when a handler threw, once the answer has been written.
            cfg.routes.before(ctx -> inFlight.enter());
            cfg.routes.after(ctx -> inFlight.exit());
            config.token().ifPresent(token -> {
                BearerAuth auth = new BearerAuth(token.value());
                cfg.routes.before(ctx -> {
                    if (!ctx.path().equals("/health")) {
                        auth.handle(ctx);
                    }
                });
            });
            cfg.routes.post(EXECUTE_PATH, execute);
            cfg.routes.post(ContextHandlers.PATH, context::create);
            // Javalin would answer HEAD for a GET route with 200, whatever that route answers: each
            // GET route has a HEAD route of its own, answered by the same handler without the body.
            cfg.routes.get(ContextHandlers.PATH, context::list);
            cfg.routes.head(ContextHandlers.PATH, context::list);
            cfg.routes.get(ContextHandlers.PATH + "/{id}", context::get);
            cfg.routes.head(ContextHandlers.PATH + "/{id}", context::get);
            cfg.routes.delete(ContextHandlers.PATH + "/{id}", context::delete);
            cfg.routes.post(ContextHandlers.PATH + "/{id}/restart", context::restart);
            cfg.routes.post(McpServer.PATH, mcp::post);
            cfg.routes.get(McpServer.PATH, mcp::get);
            cfg.routes.head(McpServer.PATH, mcp::get);
            cfg.routes.delete(McpServer.PATH, mcp::delete);
            cfg.routes.get("/health", health);
            cfg.routes.head("/health", health);
            cfg.routes.exception(ApiException.class, (e, ctx) -> {
                if (e.status() == 503) {
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                }
                answer(e, ctx);
            });
            cfg.routes.exception(RejectedException.class, (e, ctx) -> {
                ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                answer(new ApiException(503, e.reason() == RejectedException.Reason.BUSY ? "busy" : "shutting_down",
                        e.getMessage()), ctx);
            });
            cfg.routes.exception(ContextException.class, (e, ctx) -> answer(switch (e.reason()) {
                case NOT_FOUND -> new ApiException(404, "context_not_found", e.getMessage());
                case TOO_MANY -> new ApiException(503, "too_many_contexts", e.getMessage());
                case BUSY -> {
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                    yield new ApiException(503, "context_busy", e.getMessage());
                }
                case UNAVAILABLE -> new ApiException(503, "contexts_unavailable", e.getMessage());
                case NOT_STARTED -> new ApiException(400, "invalid_request", e.getMessage());
            }, ctx));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> answer(fromJavalin(e.getStatus(), ctx), ctx));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                if (Responses.clientWentAway(e)) {
                    log.info("{} {} from {}: the client went away before its answer ({})", ctx.method(), ctx.path(),
                            ctx.ip(), e.toString());
                    return;
                }
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                answer(new ApiException(500, "internal_error", "the daemon failed: " + e.getMessage()), ctx);
            });
            cfg.routes.error(404, ctx -> answer(fromJavalin(404, ctx), ctx));
            cfg.routes.error(405, ctx -> answer(fromJavalin(405, ctx), ctx));
        });
    }

    /** Starts listening; returns the port, which is the chosen one when the configured port is 0. */
    public int start() {
        app.start(config.host(), config.port());
        return app.port();
    }

    /** Lets requests in flight finish writing their answers, then stops listening and closes connections. */
    @Override
    public void close() {
        try {
            if (!inFlight.awaitIdle(ANSWER_DRAIN_TIMEOUT)) {
                log.warn("stopping with requests still in flight after {} s", ANSWER_DRAIN_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        mcpServer.close();
        keepalives.shutdownNow();
    }

    private ApiException fromJavalin(int status, Context ctx) {
        return switch (status) {
            case 404 -> new ApiException(404, "not_found", "no endpoint at " + ctx.method() + " " + ctx.path()
                    + "; executions are POSTed to " + EXECUTE_PATH);
            case 405 -> {
                String allowed = allowedMethods(ctx.path());
                ctx.header("Allow", allowed);
                yield new ApiException(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()
                        + "; use " + allowed);
            }
            default -> new ApiException(status, "http_" + status, "the request was refused with status " + status);
        };
    }

    /** The methods a path answers, for a 405's Allow header and message. */
    private static String allowedMethods(String path) {
        if (path.equals(EXECUTE_PATH) || path.endsWith("/restart")) {
            return "POST";
        }
        if (path.equals(McpServer.PATH)) {
            return McpServer.ALLOWED_METHODS;
        }
        if (path.equals(ContextHandlers.PATH)) {
            return "GET, HEAD, POST";
        }
        if (path.startsWith(ContextHandlers.PATH + "/")) {
            return "GET, HEAD, DELETE";
        }
        return "GET, HEAD";
    }

    private void answer(ApiException e, Context ctx) {
        try {
            Responses.json(ctx, e.status(), e.body(), json);
        } catch (IOException io) {
            log.debug("could not send {} to the client: {}", e.status(), io.toString());
        }
    }
}
