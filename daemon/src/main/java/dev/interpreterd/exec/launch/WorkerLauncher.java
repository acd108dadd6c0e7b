package dev.interpreterd.exec.launch;

import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.exec.cgroup.ExecutionCgroup;
import dev.interpreterd.exec.control.ControlServer;
import dev.interpreterd.exec.output.CodeOutput;
import dev.interpreterd.exec.output.OutputPumps;
import dev.interpreterd.os.Threads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.StartedProcess;

/**
 * Starts runner processes: the real python executable, no shell, the base environment only, and a
 * one-time secret on stdin that the worker presents on the control socket.
 */
public final class WorkerLauncher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerLauncher.class);

    /**
     * Imports the runner rather than running it as a script, so that its compiled code is cached in
     * its directory after the first start instead of being compiled again at every start.
     */
    private static final String BOOTSTRAP =
            "import sys; sys.path[0] = sys.argv[1]; import runner; sys.exit(runner.main(sys.argv[1:]))";

    private final Path python;
    private final Path runner;
    private final Map<String, String> environment;
    private final long outputCapBytes;
    private final ControlServer control;
    private final Cgroups cgroups;
    /**
     * Workers ask the kernel for a parent-death signal (SIGUSR1, on which they kill what the code
     * started and exit), and Linux counts the parent as the thread that started them. All starts
     * therefore happen on this one thread, which lives as long as the daemon; starting from a request
     * thread would end the worker when Jetty retires that thread.
     */
    private final ExecutorService spawner = Executors.newSingleThreadExecutor(Threads.named("interpreterd-spawner"));

    /**
     * @param cgroups where each worker's execution gets its cgroup, {@link Cgroups#NONE} for none
     */
    public WorkerLauncher(Path python, Path runner, Map<String, String> environment,
                          long outputCapBytes, ControlServer control, Cgroups cgroups) {
        this.python = python;
        this.runner = runner;
        this.environment = environment;
        this.outputCapBytes = outputCapBytes;
        this.control = control;
        this.cgroups = cgroups;
    }

    /**
     * Supervisors, one per execution, started with {@code runnerArguments}. Each one's waiting child
     * joins a cgroup of the execution's own as soon as the supervisor connects: moving a process costs
     * the kernel milliseconds, and under the warm pool this happens ahead of the request. Closing the
     * source leaves the launcher, its owner's, open.
     */
    public WorkerSource<SpawnedWorker> supervisors(List<String> runnerArguments) {
        List<String> arguments = List.copyOf(runnerArguments);
        return new WorkerSource<>() {
            @Override
            public SpawnedWorker acquire() throws IOException, InterruptedException {
                return supervisor(arguments);
            }

            @Override
            public void close() {
            }
        };
    }

    private SpawnedWorker supervisor(List<String> runnerArguments) throws IOException, InterruptedException {
        ExecutionCgroup cgroup = ExecutionCgroup.NONE;
        try {
            cgroup = cgroups.create();
        } catch (IOException e) {
            log.warn("no cgroup for a worker ({}); the subreaper alone cleans up after it", e.toString());
        }
        RunnerProcess started;
        try {
            started = launch(runnerArguments);
        } catch (IOException | InterruptedException | RuntimeException e) {
            cgroup.close();
            throw e;
        }
        SpawnedWorker worker = new SpawnedWorker(started, cgroup);
        try {
            worker.joinCgroup(Worker.STARTUP_TIMEOUT);
        } catch (IOException | InterruptedException | RuntimeException e) {
            worker.close();
            throw e;
        }
        return worker;
    }

    /**
     * Starts a runner with extra arguments and no cgroup of its own, e.g. as the zygote; the caller
     * holds it, and its connection.
     */
    public RunnerProcess launch(List<String> runnerArguments) throws IOException, InterruptedException {
        ControlServer.Expectation expectation = control.expect();
        CodeOutput output = CodeOutput.capped(outputCapBytes);
        List<String> command = new ArrayList<>(List.of(python.toString(), "-c", BOOTSTRAP,
                runner.getParent().toString(), control.socketPath().toString(),
                Long.toString(ProcessHandle.current().pid())));
        command.addAll(runnerArguments);
        ProcessExecutor executor = new ProcessExecutor()
                .command(command)
                // The runner's own directory: the job names the code's, which the daemon may not enter.
                .directory(runner.getParent().toFile())
                .streams(new OutputPumps(output.stdout(), output.stderr(),
                        new ByteArrayInputStream((expectation.secret() + "\n").getBytes(StandardCharsets.US_ASCII))))
                .redirectErrorStream(false)
                .exitValueAny();
        // zt-exec adds to the inherited environment; a null value removes a variable.
        System.getenv().keySet().forEach(name -> executor.environment(name, null));
        executor.environment(environment);
        try {
            StartedProcess started = spawner.submit(executor::start).get();
            return new RunnerProcess(started.getProcess(), output, expectation.connection());
        } catch (ExecutionException e) {
            expectation.connection().cancel(false);
            throw new IOException("could not start " + python + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            expectation.connection().cancel(false);
            throw e;
        }
    }

    /** Stops the thread that starts runners; those it started live on. */
    @Override
    public void close() {
        spawner.shutdown();
    }
}
