package dev.interpreterd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.box.BoxPool;
import dev.interpreterd.exec.box.Zygote;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.exec.control.ControlServer;
import dev.interpreterd.exec.launch.SpawnedWorker;
import dev.interpreterd.exec.launch.WorkerLauncher;
import dev.interpreterd.exec.spawn.WarmPool;
import dev.interpreterd.host.AvailableMemory;
import dev.interpreterd.host.Isolation;
import dev.interpreterd.host.PrivateFiles;
import dev.interpreterd.host.RunnerScript;
import dev.interpreterd.host.WorkerUser;
import dev.interpreterd.os.Posix;
import dev.interpreterd.units.Clock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs the code, put together as configured: the control socket, the cgroups, and a box per
 * slot where boxes are asked for and this machine allows them, else a freshly started interpreter
 * per execution. Either way the code's mount namespace hides the daemon's private files, where this
 * machine allows it. Owns all of it and closes it.
 */
final class Runners implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Runners.class);

    private final ControlServer control;
    private final WorkerLauncher launcher;
    private final Cgroups cgroups;
    private final Zygote zygote;
    private final WorkerSource<?> workers;
    private final Contexts contexts;
    private final Isolation isolation;

    private Runners(ControlServer control, WorkerLauncher launcher, Cgroups cgroups, Zygote zygote,
                    WorkerSource<?> workers, Contexts contexts, Isolation isolation) {
        this.control = control;
        this.launcher = launcher;
        this.cgroups = cgroups;
        this.zygote = zygote;
        this.workers = workers;
        this.contexts = contexts;
        this.isolation = isolation;
    }

    /**
     * Opens the control socket in the runner's directory and starts the zygote and its boxes, or the
     * pool of fresh interpreters; contexts always live in boxes of the zygote. For fresh
     * interpreters, whether they can hide the daemon's files is found out on {@code probes} while
     * the zygote starts.
     *
     * @param python the real interpreter executable
     * @param hidden the daemon's files that the code's mount namespace covers
     * @param cgroups where each box or execution gets its cgroups, {@link Cgroups#NONE} for none; closed here
     * @param clock the time that idle contexts are ended on
     * @throws IOException when neither boxes nor interpreters can be started
     */
    static Runners start(Config config, Path python, RunnerScript runner, PrivateFiles hidden, Cgroups cgroups,
                         WorkerEnvironment environment, ObjectMapper json, Executor probes, Clock clock)
            throws IOException {
        CompletableFuture<List<String>> hiding = config.launcher() == Config.Launcher.BOX
                ? CompletableFuture.completedFuture(List.of())
                : CompletableFuture.supplyAsync(() -> hiddenWithoutBox(python, runner, hidden, environment.user()),
                        probes);
        ControlServer control = new ControlServer(runner.directory().resolve("control.sock"), json);
        WorkerLauncher launcher = new WorkerLauncher(python, runner.script(), environment.base(),
                config.maxOutputBytes(), control, cgroups);
        Zygote zygote = null;
        try {
            zygote = zygote(config, launcher, control, environment, hidden);
            BoxPool boxes = null;
            String noBoxes = "";
            try {
                boxes = new BoxPool(zygote, cgroups, runner.directory(), config.maxOutputBytes(),
                        config.launcher() == Config.Launcher.BOX ? config.maxConcurrent() : 1);
            } catch (IOException e) {
                noBoxes = e.getMessage();
                log.warn("no boxes here ({}): each execution runs in a freshly started interpreter, isolated by {}"
                        + " only, and there are no contexts", noBoxes, cgroups.mechanism().wireName());
            }
            Contexts contexts = new Contexts(boxes == null ? null : zygote, noBoxes, cgroups, runner.directory(),
                    environment, config.maxOutputBytes(), new Contexts.Bounds(config.maxContexts(), config.contextQueue(),
                    config.contextIdleTimeout(), config.contextMemoryReserveBytes()), new AvailableMemory(),
                    config.idPrefix(), clock);
            if (boxes != null && config.launcher() == Config.Launcher.BOX) {
                return new Runners(control, launcher, cgroups, zygote, boxes, contexts, Isolation.NAMESPACES);
            }
            if (boxes != null) {
                boxes.close(); // it proved boxes can be made; spawned interpreters run the stateless code
            }
            WorkerSource<SpawnedWorker> supervisors = launcher.supervisors(hiding.get());
            WorkerSource<?> workers = config.warmWorkers() > 0 ? new WarmPool(supervisors, config.warmWorkers()) : supervisors;
            return new Runners(control, launcher, cgroups, zygote, workers, contexts, cgroups.mechanism().alone());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeAll(zygote, control, launcher, cgroups);
            throw new IOException("interrupted while starting the zygote and its first box", e);
        } catch (ExecutionException e) {
            closeAll(zygote, control, launcher, cgroups);
            throw new IllegalStateException("the hiding probe failed", e.getCause());
        } catch (IOException | RuntimeException e) {
            closeAll(zygote, control, launcher, cgroups);
            throw e;
        }
    }

    private static void closeAll(Zygote zygote, ControlServer control, WorkerLauncher launcher, Cgroups cgroups) {
        if (zygote != null) {
            zygote.close();
        }
        control.close();
        launcher.close();
        cgroups.close();
    }

    /**
     * The arguments that have each execution without a box hide the daemon's files, or none where
     * this machine cannot, which the start log says once.
     */
    private static List<String> hiddenWithoutBox(Path python, RunnerScript runner, PrivateFiles hidden,
                                                 WorkerUser user) {
        if (user.switched() && Posix.effectiveUserId() != 0) {
            // A daemon that switches users without being root would cover them in a user namespace of the
            // child's own, where the code's user is not mapped; that user cannot read them anyway.
            return List.of();
        }
        Optional<String> uncoverable = hidden.uncoverableWithoutBox(python, runner);
        if (uncoverable.isEmpty()) {
            return hidden.runnerArguments();
        }
        log.warn("executions without a box cannot hide the daemon's files here ({}): the code, which runs as"
                + " {}{}, can reach {}", uncoverable.get(), user, user.switched() ? "" : ", the daemon's own user",
                hidden.paths().stream().map(Path::toString).collect(Collectors.joining(", ")));
        return List.of();
    }

    private static Zygote zygote(Config config, WorkerLauncher launcher, ControlServer control,
                                 WorkerEnvironment environment, PrivateFiles hidden)
            throws IOException, InterruptedException {
        return new Zygote(launcher, control, config.preload(), environment.user(), hidden.runnerArguments());
    }

    /** Where executions get their worker. */
    WorkerSource<?> workers() {
        return workers;
    }

    /** What keeps executions apart: a box each, else how their leftover processes are found. */
    Isolation isolation() {
        return isolation;
    }

    /** The cgroups in use. */
    Cgroups cgroups() {
        return cgroups;
    }

    /** The contexts, which live in boxes of the zygote. */
    Contexts contexts() {
        return contexts;
    }

    /**
     * Ends the contexts, the boxes or the pool, the zygote, the control socket and the cgroups; call
     * once no execution runs.
     */
    @Override
    public void close() {
        contexts.close();
        workers.close();
        zygote.close();
        control.close();
        launcher.close();
        cgroups.close();
    }
}
