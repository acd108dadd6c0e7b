package dev.interpreterd.exec;

import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.StartedProcess;

/**
 * One started runner: its supervisor process, its captured output and its control connection.
 * The supervisor runs the code in a child that leads its own process group; signals for the code
 * go to that group.
 */
final class Worker implements Stoppable, AutoCloseable {

    private final StartedProcess started;
    private final CappedOutput stdout;
    private final CappedOutput stderr;
    private final CompletableFuture<ControlConnection> connection;
    private volatile long codeGroup;

    Worker(StartedProcess started, CappedOutput stdout, CappedOutput stderr,
           CompletableFuture<ControlConnection> connection) {
        this.started = started;
        this.stdout = stdout;
        this.stderr = stderr;
        this.connection = connection;
        // A worker that dies before connecting will never say hello; stop waiting for it.
        started.getProcess().onExit().thenRun(() -> connection.completeExceptionally(
                new IOException("the worker exited with code " + started.getProcess().exitValue()
                        + " before connecting: " + stderr.text().strip())));
    }

    /** Waits for the worker's hello on the control socket. */
    ControlConnection awaitConnection(Duration timeout) throws IOException, InterruptedException {
        try {
            return connection.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the worker did not connect within " + timeout.toSeconds() + " seconds");
        }
    }

    /** True while the supervisor is alive and its connection has not failed. */
    boolean isUsable() {
        return started.getProcess().isAlive() && !connection.isCompletedExceptionally();
    }

    /** Records the child that runs the code; it leads its own process group. */
    void codeStarted(long pid) {
        codeGroup = pid;
    }

    @Override
    public void signalCode(Signal signal) {
        long group = codeGroup;
        if (group > 1) {
            Posix.killGroup(group, signal);
        }
    }

    @Override
    public void killSupervisor() {
        signalCode(Signal.SIGKILL);
        Process supervisor = started.getProcess();
        if (supervisor.isAlive()) {
            // The supervisor leads its own session and group, which holds anything it has not reaped.
            Posix.killGroup(supervisor.pid(), Signal.SIGKILL);
        }
    }

    /** The supervisor's exit code once it has exited, or empty if it is still running after the wait. */
    OptionalInt awaitSupervisorExit(Duration timeout) throws InterruptedException {
        Process supervisor = started.getProcess();
        return supervisor.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(supervisor.exitValue())
                : OptionalInt.empty();
    }

    /** Waits until both pipes reached their end; false if something still held them at the deadline. */
    boolean awaitOutputEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return stdout.awaitEnd(timeout.toNanos(), TimeUnit.NANOSECONDS)
                && stderr.awaitEnd(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    CappedOutput stdout() {
        return stdout;
    }

    CappedOutput stderr() {
        return stderr;
    }

    /** Kills whatever is left of the worker and closes its connection. */
    @Override
    public void close() {
        connection.thenAccept(ControlConnection::close);
        connection.completeExceptionally(new IOException("worker closed"));
        if (started.getProcess().isAlive()) {
            killSupervisor();
        }
    }
}
