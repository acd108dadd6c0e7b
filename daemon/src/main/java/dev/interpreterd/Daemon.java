package dev.interpreterd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.host.DaemonInstance;
import dev.interpreterd.config.Token;
import dev.interpreterd.units.Durations;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.NetworkProbe;
import dev.interpreterd.host.PrivateFiles;
import dev.interpreterd.host.PythonLocator;
import dev.interpreterd.host.RunnerScript;
import dev.interpreterd.units.Sizes;
import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.http.HttpApi;
import dev.interpreterd.http.Json;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.SdNotify;
import dev.interpreterd.user.Privilege;
import dev.interpreterd.user.UserProbe;
import dev.interpreterd.user.WorkDirectories;
import dev.interpreterd.user.WorkerUser;
import dev.interpreterd.user.WorkerUsers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running interpreterd: the runner installed, the execution service ready, HTTP listening. */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /** The distribution's interpreter, readable by every user. */
    private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");

    private final RunnerScript runner;
    private final Runners runners;
    private final ExecutionService executions;
    private final HttpApi http;
    private final ServiceNotifications notifications;
    private final String host;
    private final int port;
    private final String settings;
    private boolean closed;

    private Daemon(RunnerScript runner, Runners runners, ExecutionService executions, HttpApi http,
                   ServiceNotifications notifications, String host, int port, String settings) {
        this.runner = runner;
        this.runners = runners;
        this.executions = executions;
        this.http = http;
        this.notifications = notifications;
        this.host = host;
        this.port = port;
        this.settings = settings;
    }

    /**
     * Resolves the interpreter, installs the runner, and starts listening. Call {@link #ready()} once
     * whatever stops the daemon (a shutdown hook) is in place.
     *
     * @throws IOException if the interpreter cannot be run or the port cannot be bound
     */
    public static Daemon start(Config config) throws IOException {
        return start(config, System.getenv());
    }

    /**
     * Starts with {@code environment} standing for the daemon's own environment: the source of the
     * workers' allow-listed variables and of systemd's {@code NOTIFY_SOCKET} and {@code WATCHDOG_USEC}.
     */
    public static Daemon start(Config config, Map<String, String> environment) throws IOException {
        // The code must not read the token from /proc/<daemon>/environ, even when it runs as the daemon's user.
        Posix.forbidInspection();
        if (config.token().filter(Token::visibleToOtherUsers).isPresent()) {
            log.warn("the token was given with --token: every user of this machine can read it in the daemon's"
                    + " command line (ps); give it with --token-file or INTERPRETERD_TOKEN instead");
        }
        WorkerUser user = WorkerUsers.resolve(config.user(), Privilege.ofThisProcess());
        Path tmpDir = Path.of(System.getProperty("java.io.tmpdir"));
        Optional<Path> passwdHome = user.switched() ? Optional.of(user.home())
                : Optional.ofNullable(environment.get("HOME")).filter(h -> !h.isEmpty()).map(Path::of);
        Path home = WorkDirectories.home(passwdHome, user, tmpDir);
        Path workDir = WorkDirectories.choose(config.workDir(), user, home);
        ObjectMapper json = Json.strictMapper(config.maxBodyBytes());
        // What this daemon makes on the machine is named for it, and it sweeps only what its own deployment left.
        DaemonInstance instance = DaemonInstance.current(workDir);
        RunnerScript runner = RunnerScript.install(tmpDir, instance);
        Runners runners = null;
        ExecutionService executions = null;
        try {
            PythonLocator.Python python = usablePython(config.python(), runner, user, workDir);
            WorkerEnvironment workerEnvironment = new WorkerEnvironment(environment, user, home);
            PrivateFiles hidden = PrivateFiles.of(runner, config.token().flatMap(Token::file));
            runners = Runners.start(config, python.executable(), runner, hidden,
                    config.cgroups() ? Cgroups.detect(instance) : Cgroups.NONE, workerEnvironment, json);
            executions = new ExecutionService(runners.workers(), runners.contexts(), runners.isolation(),
                    runners.cgroups().mechanism(),
                    new ExecutionService.Settings(config.maxConcurrent(), config.queue(), config.grace(),
                            config.maxOutputBytes()), workerEnvironment);
            boolean networkIsolation = NetworkProbe.namespacesAvailable(python.executable(), runner);
            if (!config.network() && !networkIsolation) {
                throw new IOException("--network false needs network namespaces, which this machine does not"
                        + " allow (root or unprivileged user namespaces are required)");
            }
            HttpApi http = new HttpApi(config, executions, runners.contexts(), json, version(), python, networkIsolation, user, workDir);
            int port = http.start();
            ServiceNotifications notifications = new ServiceNotifications(SdNotify.fromEnvironment(environment),
                    environment, executions);
            return new Daemon(runner, runners, executions, http, notifications, config.host(), port,
                    effectiveConfiguration(config, python, runners, networkIsolation, user, workDir));
        } catch (IOException | RuntimeException e) {
            if (executions != null) {
                executions.close();
            }
            if (runners != null) {
                runners.close();
            }
            runner.close();
            throw e;
        }
    }

    /**
     * The interpreter, checked to be usable by the code's user. When that user cannot use the
     * default {@code python3} (one under {@code /root}, such as pyenv's, when the daemon runs as
     * another user), the system's {@code /usr/bin/python3} is used instead, with a warning; an interpreter
     * named with {@code --python} is used as named or not at all.
     */
    private static PythonLocator.Python usablePython(String name, RunnerScript runner, WorkerUser user, Path workDir)
            throws IOException {
        PythonLocator.Python python = PythonLocator.resolve(name);
        try {
            UserProbe.check(python.executable(), runner, user, workDir);
            return python;
        } catch (IOException unusable) {
            if (!name.equals(Config.DEFAULT_PYTHON) || !Files.isExecutable(SYSTEM_PYTHON)) {
                throw unusable;
            }
            PythonLocator.Python system = PythonLocator.resolve(SYSTEM_PYTHON.toString());
            if (system.executable().equals(python.executable())) {
                throw unusable;
            }
            UserProbe.check(system.executable(), runner, user, workDir);
            log.warn("user {} cannot run {} (python3 on PATH); the code runs with {} ({}) instead;"
                    + " pass --python to choose", user, python.executable(), system.executable(), system.version());
            return system;
        }
    }

    /** Logs the start line and tells the service manager the daemon is ready. */
    public void ready() {
        log.info("interpreterd {} listening on http://{}:{} {}", version(), host, port, settings);
        notifications.ready(host + ":" + port);
    }

    /** The private directory holding the runner and the control socket. */
    public Path runnerDirectory() {
        return runner.directory();
    }

    /** The configuration as one line of key=value pairs for the start log, the token only as set or none. */
    private static String effectiveConfiguration(Config config, PythonLocator.Python python,
                                                 Runners runners, boolean networkIsolation,
                                                 WorkerUser user, Path workDir) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("python", python.executable() + " (" + python.version() + ")");
        settings.put("user", user);
        settings.put("work_dir", workDir);
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
        settings.put("default_timeout", Durations.number(config.defaultTimeout()) + "s");
        settings.put("max_timeout", Durations.number(config.maxTimeout()) + "s");
        settings.put("grace", Durations.number(config.grace()) + "s");
        settings.put("max_output", Sizes.format(config.maxOutputBytes()));
        settings.put("max_body", Sizes.format(config.maxBodyBytes()));
        settings.put("max_memory", Sizes.format(config.limits().memoryBytes()));
        settings.put("max_processes", config.limits().processes());
        settings.put("max_file_size", Sizes.format(config.limits().fileSizeBytes()));
        settings.put("max_open_files", config.limits().openFiles());
        settings.put("isolation", runners.isolation());
        settings.put("cleanup", runners.cgroups().mechanism());
        settings.put("cgroups", runners.cgroups().describe());
        settings.put("network", config.network());
        settings.put("network_isolation", networkIsolation);
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
     * removes the runner directory. Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("shutting down: interrupting {} running executions", executions.running());
        notifications.stopping();
        try {
            executions.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
        notifications.close();
        executions.close();
        runners.close();
        runner.close();
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
