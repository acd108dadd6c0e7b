package dev.interpreterd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.config.Token;
import dev.interpreterd.host.Host;
import dev.interpreterd.http.HttpApi;
import dev.interpreterd.http.Json;
import dev.interpreterd.os.SdNotify;
import dev.interpreterd.os.Threads;
import dev.interpreterd.units.Clock;
import dev.interpreterd.units.Durations;
import dev.interpreterd.units.Sizes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running interpreterd: HTTP listening from the first moments, and once the start has made what
 * runs the code (see {@link Boot}), the execution service behind it.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Config config;
    private final Map<String, String> environment;
    private final Boot boot;
    private final HttpApi http;
    private final int port;
    /** What the start made, once {@link #ready()} has it; guarded by this. */
    private Booted booted;
    /** Guarded by this; set with {@link #booted}. */
    private ServiceNotifications notifications;
    private boolean closed;

    private Daemon(Config config, Map<String, String> environment, Boot boot, HttpApi http, int port) {
        this.config = config;
        this.environment = environment;
        this.boot = boot;
        this.http = http;
        this.port = port;
    }

    /**
     * Begins the start and listens: {@code /health} answers 503 {@code starting} until the daemon
     * can run code, and other requests wait for that. Call {@link #ready()} once whatever stops the
     * daemon (a shutdown hook) is in place.
     *
     * @throws RuntimeException when the port cannot be bound, having stopped the start
     */
    public static Daemon start(Config config) {
        return start(config, System.getenv());
    }

    /**
     * Starts with {@code environment} standing for the daemon's own environment: the source of the
     * workers' allow-listed variables and of systemd's {@code NOTIFY_SOCKET} and {@code WATCHDOG_USEC}.
     */
    public static Daemon start(Config config, Map<String, String> environment) {
        return start(config, environment, Clock.SYSTEM);
    }

    /**
     * Starts with {@code clock} as the time that idle contexts and MCP sessions are ended on, so that
     * a test can move it instead of waiting.
     */
    public static Daemon start(Config config, Map<String, String> environment, Clock clock) {
        if (config.token().filter(Token::visibleToOtherUsers).isPresent()) {
            log.warn("the token was given with --token: every user of this machine can read it in the daemon's"
                    + " command line (ps); give it with --token-file or INTERPRETERD_TOKEN instead");
        }
        // Three threads, so that on two cores or more the start takes about as long as its longest
        // part: HTTP starts on this one, the start's steps run on Boot's, and the JSON configuration
        // both of them need is made on one of its own.
        CompletableFuture<ObjectMapper> json = CompletableFuture.supplyAsync(
                () -> Json.strictMapper(config.maxBodyBytes()),
                task -> Threads.named("interpreterd-json").newThread(task).start());
        Boot boot = Boot.begin(config, environment, clock, json);
        HttpApi http = null;
        try {
            http = new HttpApi(config, json::join, version());
            int port = http.start();
            boot.step("HTTP listening on port " + port);
            log.info("interpreterd {} accepting connections on http://{}:{}; /health answers 503 until it can run"
                    + " code", version(), config.host(), port);
            return new Daemon(config, environment, boot, http, port);
        } catch (RuntimeException e) {
            boot.cancel();
            if (http != null) {
                http.close();
            }
            throw e;
        }
    }

    /**
     * Waits until the daemon can run code, then serves every route, logs the start line and tells
     * the service manager it is ready.
     *
     * @throws IOException as the start failed, having stopped HTTP and closed what the start made
     * @throws RuntimeException as the start failed: a {@link dev.interpreterd.config.UsageException}
     *                          for a setting the daemon cannot start with
     */
    public void ready() throws IOException {
        if (!boot.done()) {
            http.warmUp(port);
        }
        Booted started;
        try {
            started = boot.await();
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                if (closed) {
                    throw e; // a stop ended the start, and closes HTTP itself
                }
                closed = true;
            }
            http.close();
            throw e;
        }
        synchronized (this) {
            if (closed) {
                started.close(); // stopped while the start ended
                throw new IOException("the daemon was stopped before it could run code");
            }
            booted = started;
            http.serve(started.backend());
            log.info("interpreterd {} listening on http://{}:{} {}", version(), config.host(), port,
                    effectiveConfiguration(config, started));
            notifications = new ServiceNotifications(SdNotify.fromEnvironment(environment), environment,
                    started.executions());
            notifications.ready(config.host() + ":" + port);
        }
    }

    /** The private directory holding the runner and the control socket; call once {@link #ready()} returned. */
    public synchronized Path runnerDirectory() {
        return booted.runner().directory();
    }

    /** The configuration as one line of key=value pairs for the start log, the token only as set or none. */
    private static String effectiveConfiguration(Config config, Booted started) {
        Host host = started.host();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("python", host.python().executable() + " (" + host.python().version() + ")");
        settings.put("user", host.user());
        settings.put("work_dir", host.workDir());
        settings.put("slots", config.maxConcurrent());
        settings.put("queue", config.queue());
        settings.put("launcher", config.launcher().name().toLowerCase(Locale.ROOT));
        settings.put("warm_workers", config.warmWorkers());
        settings.put("preload", config.preload().isEmpty() ? "none" : String.join(",", config.preload()));
        settings.put("max_contexts", config.maxContexts());
        settings.put("context_idle_timeout", Durations.number(config.contextIdleTimeout()) + "s");
        settings.put("context_queue", config.contextQueue());
        settings.put("context_memory_reserve", Sizes.format(config.contextMemoryReserveBytes()));
        settings.put("mcp_session_idle_timeout", Durations.number(config.mcpSessionIdleTimeout()) + "s");
        if (!config.idPrefix().isEmpty()) {
            settings.put("id_prefix", config.idPrefix());
        }
        settings.put("default_timeout", Durations.number(config.defaultTimeout()) + "s");
        settings.put("max_timeout", Durations.number(config.maxTimeout()) + "s");
        settings.put("grace", Durations.number(config.grace()) + "s");
        settings.put("max_output", Sizes.format(config.maxOutputBytes()));
        settings.put("max_body", Sizes.format(config.maxBodyBytes()));
        settings.put("max_memory", Sizes.format(config.limits().memoryBytes()));
        settings.put("max_processes", config.limits().processes());
        settings.put("max_file_size", Sizes.format(config.limits().fileSizeBytes()));
        settings.put("max_open_files", config.limits().openFiles());
        settings.put("isolation", host.isolation().wireName());
        settings.put("cleanup", host.cleanup().wireName());
        settings.put("cgroups", started.runners().cgroups().describe());
        settings.put("network", config.network());
        settings.put("network_isolation", host.networkIsolation());
        settings.put("token", config.token().isPresent() ? "set" : "none");
        StringJoiner line = new StringJoiner(" ");
        settings.forEach((key, value) -> line.add(key + "=" + value));
        return line.toString();
    }

    /** The port the daemon listens on. */
    public int port() {
        return port;
    }

    /**
     * Stops: refuses new executions, interrupts running ones and lets them answer, stops HTTP and
     * removes the runner directory; during the start, stops it and closes what it made. Safe to call
     * more than once.
     */
    @Override
    public void close() {
        Booted started;
        ServiceNotifications notifier;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            started = booted;
            notifier = notifications;
        }
        if (started == null) {
            log.info("shutting down before the daemon could run code");
            boot.cancel();
            http.close();
            log.info("stopped");
            return;
        }
        log.info("shutting down: interrupting {} running executions", started.executions().running());
        notifier.stopping();
        try {
            started.executions().shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
        notifier.close();
        started.close();
        log.info("stopped");
    }

    /** The version from the build, or "dev" when run from classes without it. */
    public static String version() {
        try (InputStream in = Daemon.class.getResourceAsStream("/interpreterd.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
