package dev.interpreterd.exec.launch;

import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.output.CodeOutput;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A runner process the launcher started: the process, which leads its own session and process group,
 * what it writes to its stdout and stderr, and the control connection it opens with the secret on its
 * stdin. Whoever holds it owns that connection, and alone sends on it: the zygote, or a supervisor's
 * {@link SpawnedWorker}.
 */
public final class RunnerProcess implements AutoCloseable {

    private final Process process;
    private final CodeOutput output;
    private final CompletableFuture<ControlConnection> connection;

    /** Takes over a started process; one that exits before connecting fails its connection, with its stderr. */
    RunnerProcess(Process process, CodeOutput output, CompletableFuture<ControlConnection> connection) {
        this.process = process;
        this.output = output;
        this.connection = connection;
        process.onExit().thenRun(() -> connection.completeExceptionally(new IOException("the worker exited with code "
                + process.exitValue() + " before connecting: " + output.stderr().text().strip())));
    }

    /**
     * Waits until the runner has connected.
     *
     * @throws IOException when it exited first, said why it could not start, or took longer than {@code timeout}
     */
    public ControlConnection awaitConnection(Duration timeout) throws IOException, InterruptedException {
        try {
            return connection.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the worker did not connect within " + timeout.toSeconds() + " seconds");
        }
    }

    /** The connection, if the runner has connected and it has not failed. */
    Optional<ControlConnection> connection() {
        return connection.isCompletedExceptionally() ? Optional.empty() : Optional.ofNullable(connection.getNow(null));
    }

    /** True while the process is alive, or still coming up, and its connection has not failed. */
    public boolean isUsable() {
        return !connection.isCompletedExceptionally() && process.isAlive();
    }

    /** What the process writes to its stdout and stderr. */
    CodeOutput output() {
        return output;
    }

    /** True while the process lives. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** The process's exit value once it has exited, or empty if it still runs after the wait. */
    OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)
                ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    /** Kills the process's group with SIGKILL: the process and whatever it has not reaped. */
    void kill() {
        if (process.isAlive()) {
            Posix.killGroup(process.pid(), Signal.SIGKILL);
        }
    }

    /** Closes the connection, or refuses the one still to come. */
    void disconnect() {
        connection.thenAccept(ControlConnection::close);
        connection.completeExceptionally(new IOException("worker closed"));
    }

    /** Closes the connection and kills what is left of the process. */
    @Override
    public void close() {
        disconnect();
        kill();
    }
}
