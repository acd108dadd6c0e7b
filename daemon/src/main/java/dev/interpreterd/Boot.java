package dev.interpreterd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.config.Token;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.host.DaemonInstance;
import dev.interpreterd.host.Host;
import dev.interpreterd.host.NetworkProbe;
import dev.interpreterd.host.PrivateFiles;
import dev.interpreterd.host.Privilege;
import dev.interpreterd.host.PythonLocator;
import dev.interpreterd.host.RunnerScript;
import dev.interpreterd.host.UserProbe;
import dev.interpreterd.host.WorkDirectories;
import dev.interpreterd.host.WorkerUser;
import dev.interpreterd.host.WorkerUsers;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Threads;
import dev.interpreterd.units.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the daemon finds out and starts before code can run, on a thread of its own while HTTP
 * already answers: the code's user and work directory, the runner, the interpreter, the cgroups, the
 * zygote and its first box, and the checks (the user's access, network namespaces, hiding without a
 * box), each a process of its own, run side by side where nothing orders them. What it made is
 * closed when it fails or is cancelled, and handed over by {@link #await()} when it succeeds.
 */
final class Boot {

    private static final Logger log = LoggerFactory.getLogger(Boot.class);
    /** How long {@link #cancel()} waits for the start to close what it made. */
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(10);
    /** The distribution's interpreter, readable by every user. */
    private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");

    private final Config config;
    private final Map<String, String> environment;
    private final Clock clock;
    /** The daemon's JSON configuration, made beside the start: the control socket reads frames with it. */
    private final Future<ObjectMapper> json;
    /** The checks that run beside the start's own steps. */
    private final ExecutorService probes = Executors.newCachedThreadPool(Threads.named("interpreterd-probe"));
    private final CompletableFuture<Booted> booted = new CompletableFuture<>();
    private final Thread thread;
    private final long began = System.nanoTime();

    private Boot(Config config, Map<String, String> environment, Clock clock, Future<ObjectMapper> json) {
        this.config = config;
        this.environment = environment;
        this.clock = clock;
        this.json = json;
        this.thread = Threads.named("interpreterd-start").newThread(this::run);
    }

    /**
     * Begins the start in the background.
     *
     * @param environment the daemon's own environment, the source of the workers' allow-listed variables
     * @param clock the time that idle contexts and MCP sessions are ended on
     * @param json the daemon's JSON configuration, needed once the zygote starts
     */
    static Boot begin(Config config, Map<String, String> environment, Clock clock, Future<ObjectMapper> json) {
        Boot boot = new Boot(config, environment, clock, json);
        boot.thread.start();
        return boot;
    }

    /**
     * Waits for the start to end.
     *
     * @return what it made, which is the caller's to close from then on
     * @throws IOException as the start failed, or when the wait is interrupted
     * @throws RuntimeException as the start failed: a {@link dev.interpreterd.config.UsageException}
     *                          for a setting the daemon cannot start with
     */
    Booted await() throws IOException {
        try {
            return booted.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the start", e);
        } catch (ExecutionException e) {
            throw rethrown(e);
        }
    }

    /** True once the start has ended, made what it makes or failed. */
    boolean done() {
        return booted.isDone();
    }

    /**
     * Stops a start under way and waits for it to close what it made; what a start that ended made
     * stays for the caller of {@link #await()}. Safe to call more than once.
     */
    void cancel() {
        thread.interrupt();
        probes.shutdownNow();
        try {
            thread.join(CANCEL_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Logs at debug how long the start has taken when it got to {@code what}: where a slow start's time goes. */
    void step(String what) {
        log.debug("start +{} ms: {}", Duration.ofNanos(System.nanoTime() - began).toMillis(), what);
    }

    private void run() {
        try {
            booted.complete(start());
        } catch (IOException | RuntimeException | Error e) {
            booted.completeExceptionally(e);
        } finally {
            probes.shutdown();
        }
    }

    private Booted start() throws IOException {
        // Finding the interpreter needs nothing else: it runs while this thread finds the code's user.
        Future<PythonLocator.Python> located = probes.submit(() -> PythonLocator.resolve(config.python()));
        // The code must not read the token from /proc/<daemon>/environ, even when it runs as the daemon's
        // user. This loads JNA, which the steps from the daemon's instance on need, while the user is looked up.
        Future<?> uninspectable = probes.submit(Posix::forbidInspection);
        WorkerUser user = WorkerUsers.resolve(config.user(), Privilege.ofThisProcess());
        Path tmpDir = Path.of(System.getProperty("java.io.tmpdir"));
        Optional<Path> passwdHome = user.switched() ? Optional.of(user.home())
                : Optional.ofNullable(environment.get("HOME")).filter(h -> !h.isEmpty()).map(Path::of);
        Path home = WorkDirectories.home(passwdHome, user, tmpDir);
        Path workDir = WorkDirectories.choose(config.workDir(), user, home);
        result(uninspectable);
        // What this daemon makes on the machine is named for it, and it sweeps only what its own deployment left.
        DaemonInstance instance = DaemonInstance.current(workDir);
        RunnerScript runner = RunnerScript.install(tmpDir, instance);
        step("user " + user + ", work directory " + workDir + ", runner in " + runner.directory());
        Runners runners = null;
        ExecutionService executions = null;
        try {
            PythonLocator.Python python = result(located);
            step("interpreter " + python.executable() + " " + python.version());
            WorkerEnvironment workerEnvironment = new WorkerEnvironment(environment, user, home);
            PrivateFiles hidden = PrivateFiles.of(runner, config.token().flatMap(Token::file));
            Cgroups cgroups = cgroups(instance);
            Future<Boolean> networkIsolation = probes.submit(() -> NetworkProbe.namespacesAvailable(python.executable(),
                    runner));
            Future<PythonLocator.Python> usable = probes.submit(() -> usablePython(config.python(), python, runner,
                    user, workDir));
            // The zygote and its first box start while the user's access is checked; in the rare start
            // that must change interpreters they start again.
            try {
                runners = Runners.start(config, python.executable(), runner, hidden, cgroups, workerEnvironment,
                        result(json), probes, clock);
            } catch (IOException | RuntimeException failed) {
                result(usable); // a user who cannot run the interpreter is the clearer reason
                throw failed;
            }
            step("zygote and first box");
            PythonLocator.Python chosen = result(usable);
            step("user " + user + " may run " + chosen.executable());
            if (!chosen.equals(python)) {
                runners.close();
                runners = null;
                runners = Runners.start(config, chosen.executable(), runner, hidden, cgroups(instance),
                        workerEnvironment, result(json), probes, clock);
            }
            executions = new ExecutionService(runners.workers(), runners.contexts(),
                    new ExecutionService.Settings(config.maxConcurrent(), config.queue(), config.grace(),
                            config.maxOutputBytes()), workerEnvironment);
            boolean isolation = result(networkIsolation);
            step("network namespaces " + (isolation ? "available" : "unavailable"));
            if (!config.network() && !isolation) {
                throw new IOException("--network false needs network namespaces, which this machine does not"
                        + " allow (root or unprivileged user namespaces are required)");
            }
            return new Booted(runner, runners, executions, clock, new Host(chosen, user, workDir, runners.isolation(),
                    runners.cgroups().mechanism(), isolation));
        } catch (IOException | RuntimeException | Error e) {
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
     * The cgroups, found while no other process of the daemon's runs: a daemon alone in its cgroup
     * moves into a leaf of it, which it may do only while alone.
     */
    private Cgroups cgroups(DaemonInstance instance) {
        Cgroups cgroups = config.cgroups() ? Cgroups.detect(instance) : Cgroups.NONE;
        step("cgroups " + cgroups.describe());
        return cgroups;
    }

    /**
     * The interpreter, checked to be usable by the code's user. When that user cannot use the
     * default {@code python3} (one under {@code /root}, such as pyenv's, when the daemon runs as
     * another user), the system's {@code /usr/bin/python3} is used instead, with a warning; an interpreter
     * named with {@code --python} is used as named or not at all.
     *
     * @param name the interpreter as configured
     * @param python what {@code name} resolved to
     */
    private static PythonLocator.Python usablePython(String name, PythonLocator.Python python, RunnerScript runner,
                                                     WorkerUser user, Path workDir) throws IOException {
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

    /** What a check on {@link #probes} found; its failure as it was, an interrupted wait as an {@link IOException}. */
    private static <T> T result(Future<T> check) throws IOException {
        try {
            return check.get();
        } catch (InterruptedException e) {
            check.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        } catch (ExecutionException e) {
            throw rethrown(e);
        }
    }

    /** The failure inside {@code e}: an {@link IOException} or a {@link RuntimeException} as it was. */
    private static IOException rethrown(ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
            return io;
        }
        if (e.getCause() instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e.getCause() instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException("a step of the start failed", e.getCause());
    }
}
