package dev.interpreterd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.box.BoxPool;
import dev.interpreterd.exec.box.Zygote;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.exec.control.ControlServer;
import dev.interpreterd.exec.spawn.WarmPool;
import dev.interpreterd.exec.spawn.WorkerLauncher;
import dev.interpreterd.host.RunnerScript;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs the code, put together as configured: the control socket, the cgroups, and a box per
 * slot where boxes are asked for and this machine allows them, else a freshly started interpreter
 * per execution. Owns all of it and closes it.
 */
final class Runners implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Runners.class);

    private final ControlServer control;
    private final WorkerLauncher launcher;
    private final Cgroups cgroups;
    private final WorkerSource<?> workers;
    private final String isolation;

    private Runners(ControlServer control, WorkerLauncher launcher, Cgroups cgroups, WorkerSource<?> workers,
                    String isolation) {
        this.control = control;
        this.launcher = launcher;
        this.cgroups = cgroups;
        this.workers = workers;
        this.isolation = isolation;
    }

    /**
     * Opens the control socket in the runner's directory and starts the zygote and its boxes, or the
     * pool of fresh interpreters.
     *
     * @param python the real interpreter executable
     * @param cgroups where each box or execution gets its cgroups, {@link Cgroups#NONE} for none; closed here
     * @throws IOException when neither boxes nor interpreters can be started
     */
    static Runners start(Config config, Path python, RunnerScript runner, Cgroups cgroups, Path workDir,
                         WorkerEnvironment environment, ObjectMapper json) throws IOException {
        ControlServer control = new ControlServer(runner.directory().resolve("control.sock"), json);
        WorkerLauncher launcher = new WorkerLauncher(python, runner.script(), workDir, environment.base(),
                config.maxOutputBytes(), control, cgroups);
        try {
            if (config.launcher() == Config.Launcher.BOX) {
                BoxPool boxes = boxes(config, launcher, control, cgroups, runner);
                if (boxes != null) {
                    return new Runners(control, launcher, cgroups, boxes, "namespaces");
                }
            }
            WorkerSource<?> workers = config.warmWorkers() > 0 ? new WarmPool(launcher, config.warmWorkers()) : launcher;
            return new Runners(control, launcher, cgroups, workers, cgroups.mechanism());
        } catch (IOException | RuntimeException e) {
            control.close();
            launcher.close();
            cgroups.close();
            throw e;
        }
    }

    /** A box per slot, or null with a warning where this machine cannot make boxes. */
    private static BoxPool boxes(Config config, WorkerLauncher launcher, ControlServer control, Cgroups cgroups,
                                 RunnerScript runner) throws IOException {
        Zygote zygote;
        try {
            zygote = new Zygote(launcher, control, config.preload());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the zygote", e);
        }
        try {
            return new BoxPool(zygote, cgroups, runner.directory(), config.maxOutputBytes(), config.maxConcurrent());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            zygote.close();
            throw new IOException("interrupted while making the first box", e);
        } catch (IOException e) {
            zygote.close();
            log.warn("no boxes here ({}): each execution runs in a freshly started interpreter, isolated by {} only",
                    e.getMessage(), cgroups.mechanism());
            return null;
        }
    }

    /** Where executions get their worker. */
    WorkerSource<?> workers() {
        return workers;
    }

    /**
     * What keeps executions apart: {@code namespaces} (a box each), else how their leftover processes
     * are found, {@link Cgroups#mechanism()}.
     */
    String isolation() {
        return isolation;
    }

    /** The cgroups in use. */
    Cgroups cgroups() {
        return cgroups;
    }

    /** Ends the boxes or the pool, the zygote, the control socket and the cgroups; call once no execution runs. */
    @Override
    public void close() {
        workers.close();
        control.close();
        launcher.close();
        cgroups.close();
    }
}
