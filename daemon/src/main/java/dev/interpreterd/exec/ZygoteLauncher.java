package dev.interpreterd.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.os.NamedPipe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fork server ({@code --launcher fork}): one long-lived zygote runner imports the preload modules
 * once and forks a supervisor per worker, which costs a fork instead of an interpreter start. Each
 * forked supervisor writes to a pair of named pipes made for it, starts its own session and then
 * behaves exactly like a started one. A zygote that died is started again on the next request.
 */
final class ZygoteLauncher implements WorkerSource {

    private static final Logger log = LoggerFactory.getLogger(ZygoteLauncher.class);
    /** Preloading large libraries can take seconds. */
    private static final Duration ZYGOTE_STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private final WorkerLauncher starter;
    private final ControlServer control;
    private final Path pipeDirectory;
    private final List<String> preload;
    private final long outputCapBytes;
    /** Pump threads are reused: creating two threads per execution costs more than the fork. */
    private final ExecutorService pumps = Executors.newCachedThreadPool(Threads.named("interpreterd-pump"));
    private final AtomicLong counter = new AtomicLong();
    /** How forked supervisors ended, by pid, as the zygote reports it; removed once read. */
    private final Map<Long, CompletableFuture<Integer>> exits = new ConcurrentHashMap<>();
    private Worker zygote;
    private ControlConnection zygoteConnection;

    ZygoteLauncher(WorkerLauncher starter, ControlServer control, Path pipeDirectory, List<String> preload,
                   long outputCapBytes) throws IOException, InterruptedException {
        this.starter = starter;
        this.control = control;
        this.pipeDirectory = pipeDirectory;
        this.preload = List.copyOf(preload);
        this.outputCapBytes = outputCapBytes;
        startZygote();
    }

    private synchronized void startZygote() throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--zygote"));
        if (!preload.isEmpty()) {
            arguments.addAll(List.of("--preload", String.join(",", preload)));
        }
        Worker started = starter.launch(arguments);
        try {
            zygoteConnection = started.awaitConnection(ZYGOTE_STARTUP_TIMEOUT);
        } catch (IOException e) {
            started.close();
            throw new IOException("the fork-server zygote did not start (preload " + preload + "): " + e.getMessage(), e);
        }
        zygote = started;
        ControlConnection connection = zygoteConnection;
        Threads.named("interpreterd-zygote").newThread(() -> readReports(connection)).start();
        log.info("fork-server zygote {} ready, preloaded {}", zygoteConnection.peerPid(), preload);
    }

    /** Reads the zygote's reports of reaped supervisors until its connection ends. */
    private void readReports(ControlConnection connection) {
        try {
            while (true) {
                JsonNode frame = connection.read();
                if (frame.path("event").asText().equals("reaped")) {
                    int value = frame.path("signal").isNull()
                            ? frame.path("exitCode").asInt() : 128 + frame.path("signal").asInt();
                    exitOf(frame.path("pid").asLong()).complete(value);
                }
            }
        } catch (IOException e) {
            // The zygote is gone; the next request starts a new one.
        }
    }

    private CompletableFuture<Integer> exitOf(long pid) {
        CompletableFuture<Integer> exit = exits.computeIfAbsent(pid, p -> new CompletableFuture<>());
        exit.whenComplete((value, failure) -> exits.remove(pid, exit));
        return exit;
    }

    @Override
    public Worker acquire() throws IOException, InterruptedException {
        long n = counter.incrementAndGet();
        NamedPipe stdoutPipe = NamedPipe.create(pipeDirectory.resolve("stdout-" + n));
        NamedPipe stderrPipe;
        try {
            stderrPipe = NamedPipe.create(pipeDirectory.resolve("stderr-" + n));
        } catch (IOException e) {
            stdoutPipe.close();
            throw e;
        }
        CappedOutput stdout = new CappedOutput(outputCapBytes);
        CappedOutput stderr = new CappedOutput(outputCapBytes);
        ControlServer.Expectation expectation = control.expect();
        // The supervisor opens its pipes before it connects, so by its hello the readers can open.
        CompletableFuture<ControlConnection> ready = expectation.connection().thenApply(connection -> {
            try {
                startPump(stdoutPipe, stdout);
                startPump(stderrPipe, stderr);
                return connection;
            } catch (IOException e) {
                connection.close();
                throw new IllegalStateException("could not open the worker's output pipes: " + e.getMessage(), e);
            }
        });
        ready.whenComplete((connection, failure) -> {
            stdoutPipe.close();
            stderrPipe.close();
        });
        try {
            requestFork(Map.of("event", "spawn", "secret", expectation.secret(),
                    "stdout", stdoutPipe.path().toString(), "stderr", stderrPipe.path().toString()));
        } catch (IOException e) {
            expectation.connection().cancel(false);
            throw e;
        }
        return Worker.forked(stdout, stderr, ready, this::exitOf);
    }

    private synchronized void requestFork(Map<String, String> request) throws IOException, InterruptedException {
        if (!zygote.isUsable()) {
            log.warn("the fork-server zygote is gone; starting a new one");
            zygote.close();
            startZygote();
        }
        try {
            zygoteConnection.send(request);
        } catch (IOException e) {
            zygote.close();
            throw new IOException("the fork-server zygote stopped answering: " + e.getMessage(), e);
        }
    }

    private void startPump(NamedPipe pipe, CappedOutput target) throws IOException {
        var in = pipe.openReader();
        pumps.execute(() -> OutputPumps.pump(in, target));
    }

    @Override
    public synchronized void close() {
        if (zygote != null) {
            zygote.close();
        }
        // Pumps end by themselves when their pipes close; idle ones expire.
        pumps.shutdown();
    }
}
