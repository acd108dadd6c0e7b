package dev.interpreterd.exec.spawn;

import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.control.ControlServer;
import dev.interpreterd.exec.output.CappedOutput;
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
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.StartedProcess;

/**
 * Starts runner processes: the real python executable, no shell, the base environment only, and a
 * one-time secret on stdin that the worker presents on the control socket.
 */
public final class WorkerLauncher implements WorkerSource<SpawnedWorker> {

    /**
     * Imports the runner rather than running it as a script, so that its compiled code is cached in
     * its directory after the first start instead of being compiled again at every start.
     */
    private static final String BOOTSTRAP =
            "import sys; sys.path[0] = sys.argv[1]; import runner; sys.exit(runner.main(sys.argv[1:]))";

    private final Path python;
    private final Path runner;
    private final Path workDir;
    private final Map<String, String> environment;
    private final long outputCapBytes;
    private final ControlServer control;
    /**
     * Workers ask the kernel for a parent-death signal (SIGUSR1, on which they kill what the code
     * started and exit), and Linux counts the parent as the thread that started them. All starts
     * therefore happen on this one thread, which lives as long as the daemon; starting from a request
     * thread would end the worker when Jetty retires that thread.
     */
    private final ExecutorService spawner = Executors.newSingleThreadExecutor(Threads.named("interpreterd-spawner"));

    public WorkerLauncher(Path python, Path runner, Path workDir, Map<String, String> environment,
                   long outputCapBytes, ControlServer control) {
        this.python = python;
        this.runner = runner;
        this.workDir = workDir;
        this.environment = environment;
        this.outputCapBytes = outputCapBytes;
        this.control = control;
    }

    @Override
    public SpawnedWorker acquire() throws IOException, InterruptedException {
        return launch();
    }

    /** Starts one worker; it connects to the control socket on its own. */
    SpawnedWorker launch() throws IOException, InterruptedException {
        return launch(List.of());
    }

    /** Starts a runner with extra arguments, e.g. as the zygote. */
    public SpawnedWorker launch(List<String> runnerArguments) throws IOException, InterruptedException {
        ControlServer.Expectation expectation = control.expect();
        CappedOutput stdout = new CappedOutput(outputCapBytes);
        CappedOutput stderr = new CappedOutput(outputCapBytes);
        List<String> command = new ArrayList<>(List.of(python.toString(), "-c", BOOTSTRAP,
                runner.getParent().toString(), control.socketPath().toString(),
                Long.toString(ProcessHandle.current().pid())));
        command.addAll(runnerArguments);
        ProcessExecutor executor = new ProcessExecutor()
                .command(command)
                .directory(workDir.toFile())
                .streams(new OutputPumps(stdout, stderr,
                        new ByteArrayInputStream((expectation.secret() + "\n").getBytes(StandardCharsets.US_ASCII))))
                .redirectErrorStream(false)
                .exitValueAny();
        // zt-exec adds to the inherited environment; a null value removes a variable.
        System.getenv().keySet().forEach(name -> executor.environment(name, null));
        executor.environment(environment);
        try {
            StartedProcess started = spawner.submit(executor::start).get();
            return SpawnedWorker.spawned(started.getProcess(), stdout, stderr, expectation.connection());
        } catch (ExecutionException e) {
            expectation.connection().cancel(false);
            throw new IOException("could not start " + python + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            expectation.connection().cancel(false);
            throw e;
        }
    }

    @Override
    public void close() {
        spawner.shutdown();
    }
}
