package dev.interpreterd.exec.box;

import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.ControlServer;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.launch.RunnerProcess;
import dev.interpreterd.exec.launch.WorkerLauncher;
import dev.interpreterd.host.WorkerUser;
import dev.interpreterd.os.Threads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fork server behind the boxes: one long-lived runner that imports the {@code --preload} modules
 * once, never runs user code, and forks a box on request. It reaps each box's init when the box ends
 * and reports how it ended. A zygote that died is started again at the next request. This object
 * alone sends on the zygote's connection, one request at a time.
 */
public final class Zygote implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Zygote.class);
    /** Preloading large libraries can take seconds. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    /** The exit value of a box whose zygote died: its init was sent SIGKILL, as the JDK would say. */
    private static final int KILLED = 128 + 9;

    private final WorkerLauncher starter;
    private final ControlServer control;
    private final List<String> preload;
    private final WorkerUser user;
    private final List<String> runnerArguments;
    /**
     * How the boxes of the running zygote ended, by their init's pid, as it reports it; removed once
     * completed. Each zygote has its own: when one dies, all its boxes have died with it.
     */
    private volatile Map<Long, CompletableFuture<Integer>> exits = new ConcurrentHashMap<>();
    private RunnerProcess process;
    private ControlConnection connection;

    /**
     * Starts the zygote. When the code runs as another {@code user} than the daemon, a box made in a
     * user namespace (by a daemon that is not root) maps that user's ids into it beside the daemon's.
     *
     * @param runnerArguments more arguments for its runner: the daemon's files its boxes hide
     * @throws IOException when it does not start, with the reason
     */
    public Zygote(WorkerLauncher starter, ControlServer control, List<String> preload, WorkerUser user,
                  List<String> runnerArguments)
            throws IOException, InterruptedException {
        this.starter = starter;
        this.control = control;
        this.preload = List.copyOf(preload);
        this.user = user;
        this.runnerArguments = List.copyOf(runnerArguments);
        start();
    }

    private synchronized void start() throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--zygote"));
        if (!preload.isEmpty()) {
            arguments.addAll(List.of("--preload", String.join(",", preload)));
        }
        if (user.switched()) {
            arguments.addAll(List.of("--code-user", user.uid() + ":" + user.gid()));
        }
        arguments.addAll(runnerArguments);
        RunnerProcess started = starter.launch(arguments);
        try {
            connection = started.awaitConnection(STARTUP_TIMEOUT);
        } catch (IOException e) {
            started.close();
            throw new IOException("the zygote did not start (preload " + preload + "): " + e.getMessage(), e);
        }
        process = started;
        ControlConnection reports = connection;
        Map<Long, CompletableFuture<Integer>> boxes = new ConcurrentHashMap<>();
        exits = boxes;
        Threads.named("interpreterd-zygote").newThread(() -> readReports(reports, boxes)).start();
        log.info("zygote {} ready, preloaded {}", connection.peerPid(), preload.isEmpty() ? "nothing" : preload);
    }

    /**
     * Reads the zygote's reports of ended box inits until its connection ends. Then the zygote is
     * gone, and so are its boxes (their inits die with their parent): each counts as killed, so that
     * none is handed a job, and the next box made starts a new zygote.
     */
    private void readReports(ControlConnection reports, Map<Long, CompletableFuture<Integer>> boxes) {
        try {
            while (true) {
                if (reports.read() instanceof Frame.Reaped reaped) {
                    exitOf(boxes, reaped.pid()).complete(reaped.exitValue());
                }
            }
        } catch (IOException e) {
            List.copyOf(boxes.values()).forEach(exit -> exit.complete(KILLED));
        }
    }

    /**
     * How the process {@code pid}, a box's init, ends: its exit value as the JDK would give it (128 +
     * the signal for a death by signal).
     */
    CompletableFuture<Integer> exitOf(long pid) {
        return exitOf(exits, pid);
    }

    private static CompletableFuture<Integer> exitOf(Map<Long, CompletableFuture<Integer>> boxes, long pid) {
        CompletableFuture<Integer> exit = boxes.computeIfAbsent(pid, p -> new CompletableFuture<>());
        exit.whenComplete((value, failure) -> boxes.remove(pid, exit));
        return exit;
    }

    /**
     * Asks for a new box, whose output pipes will be in {@code pipes}; the returned connection
     * completes when the box's init says hello, or fails with the reason the box could not be made.
     */
    synchronized CompletableFuture<ControlConnection> forkBox(Path pipes) throws IOException, InterruptedException {
        if (!process.isUsable()) {
            log.warn("the zygote is gone; starting a new one");
            process.close();
            start();
        }
        ControlServer.Expectation expectation = control.expect();
        try {
            connection.send(new Frame.ForkBox(expectation.secret(), pipes.toString()));
        } catch (IOException e) {
            expectation.connection().cancel(false);
            process.close();
            throw new IOException("the zygote stopped answering: " + e.getMessage(), e);
        }
        return expectation.connection();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.close();
        }
    }
}
