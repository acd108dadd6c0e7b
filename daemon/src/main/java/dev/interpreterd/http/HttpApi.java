package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.context.ContextException;
import dev.interpreterd.exec.RejectedException;
import dev.interpreterd.mcp.McpServer;
import dev.interpreterd.os.Threads;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
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
    private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(2);

    private final Javalin app;
    private final Config config;
    /** The daemon's JSON configuration, made while Javalin is: needed from the moment the server starts. */
    private final Supplier<ObjectMapper> json;
    private final String version;
    private final InFlight inFlight = new InFlight();
    private final Readiness readiness = new Readiness();
    private final ScheduledExecutorService keepalives =
            Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-keepalive"));

    /**
     * Declares the routes; nothing listens until {@link #start()}, and nothing but {@code /health}
     * (503 {@code starting}) is answered until {@link #serve(Backend)}.
     */
    public HttpApi(Config config, Supplier<ObjectMapper> json, String version) {
        this.config = config;
        this.json = json;
        this.version = version;
        JettySetup.avoidManagementBeans();
        this.app = Javalin.create(this::configure);
    }

    /** The server, the token check and the routes, each of which waits for the start but {@code /health}. */
    private void configure(JavalinConfig cfg) {
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
        // Every route but /health waits for the start to end (see Readiness).
        cfg.routes.post(EXECUTE_PATH, ctx -> readiness.await().execute().handle(ctx));
        cfg.routes.post(ContextHandlers.PATH, ctx -> readiness.await().context().create(ctx));
        // Javalin would answer HEAD for a GET route with 200, whatever that route answers: each
        // GET route has a HEAD route of its own, answered by the same handler without the body.
        cfg.routes.get(ContextHandlers.PATH, ctx -> readiness.await().context().list(ctx));
        cfg.routes.head(ContextHandlers.PATH, ctx -> readiness.await().context().list(ctx));
        cfg.routes.get(ContextHandlers.PATH + "/{id}", ctx -> readiness.await().context().get(ctx));
        cfg.routes.head(ContextHandlers.PATH + "/{id}", ctx -> readiness.await().context().get(ctx));
        cfg.routes.delete(ContextHandlers.PATH + "/{id}", ctx -> readiness.await().context().delete(ctx));
        cfg.routes.post(ContextHandlers.PATH + "/{id}/restart", ctx -> readiness.await().context().restart(ctx));
        cfg.routes.post(McpServer.PATH, ctx -> readiness.await().mcp().post(ctx));
        cfg.routes.get(McpServer.PATH, ctx -> readiness.await().mcp().get(ctx));
        cfg.routes.head(McpServer.PATH, ctx -> readiness.await().mcp().get(ctx));
        cfg.routes.delete(McpServer.PATH, ctx -> readiness.await().mcp().delete(ctx));
        cfg.routes.get("/health", this::health);
        cfg.routes.head("/health", this::health);
        answerErrors(cfg);
    }

    /** How failures are answered: each a JSON error with its status, as the API documents. */
    private void answerErrors(JavalinConfig cfg) {
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
    }

    /** Starts listening; returns the port, which is the chosen one when the configured port is 0. */
    public int start() {
        app.start(config.host(), config.port());
        return app.port();
    }

    /**
     * Sends this server one {@code GET /health} over loopback and reads the answer. A JVM's first
     * request loads the classes of Jetty's and Javalin's request path, about a tenth of a second of
     * CPU: paid here while the start's processes run, it is not paid by the first client. Failing
     * does no harm, and says so at debug only.
     */
    public void warmUp(int port) {
        try (Socket socket = new Socket()) {
            InetAddress bound = InetAddress.getByName(config.host());
            socket.connect(new InetSocketAddress(bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bound,
                    port), (int) WARM_UP_TIMEOUT.toMillis());
            socket.setSoTimeout((int) WARM_UP_TIMEOUT.toMillis());
            socket.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getInputStream().readAllBytes();
        } catch (IOException e) {
            log.debug("warming up the request path failed: {}", e.toString());
        }
    }

    /** Serves every route from {@code backend}: the daemon can run code now, and /health answers 200. */
    public void serve(Backend backend) {
        readiness.open(Handlers.of(config, backend, json.get(), version, keepalives));
    }

    /** {@code GET /health}: the health answer once the daemon can run code, 503 {@code starting} before. */
    private void health(Context ctx) throws Exception {
        readiness.now().orElseThrow(Readiness::starting).health().handle(ctx);
    }

    /**
     * Lets requests in flight finish writing their answers, then stops listening and closes
     * connections; requests still waiting for the start are answered 503 {@code shutting_down}.
     */
    @Override
    public void close() {
        readiness.close();
        try {
            if (!inFlight.awaitIdle(ANSWER_DRAIN_TIMEOUT)) {
                log.warn("stopping with requests still in flight after {} s", ANSWER_DRAIN_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        readiness.now().ifPresent(handlers -> handlers.mcpServer().close());
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
            Responses.json(ctx, e.status(), e.body(), json.get());
        } catch (IOException io) {
            log.debug("could not send {} to the client: {}", e.status(), io.toString());
        }
    }
}
