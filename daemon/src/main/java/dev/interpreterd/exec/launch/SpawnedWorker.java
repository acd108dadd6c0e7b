package dev.interpreterd.exec.launch;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.cgroup.ExecutionCgroup;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CappedOutput;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Signal;
import dev.interpreterd.units.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A runner started afresh for one job: its supervisor process, its captured output and its control
 * connection. The supervisor runs the code in a child that leads its own process group; signals for
 * the code go to that group, through the supervisor but for SIGKILL.
 */
public final class SpawnedWorker implements Worker {

    private final CappedOutput stdout;
    private final CappedOutput stderr;
    private final CompletableFuture<ControlConnection> connection;
    /** The runner process the daemon started; it leads its own session and process group. */
    private final Process supervisor;
    private final ExecutionCgroup cgroup;
    private volatile long codeGroup;
    private volatile boolean reported;

    private SpawnedWorker(Process supervisor, CappedOutput stdout, CappedOutput stderr,
                          CompletableFuture<ControlConnection> connection, ExecutionCgroup cgroup) {
        this.supervisor = supervisor;
        this.stdout = stdout;
        this.stderr = stderr;
        this.connection = connection;
        this.cgroup = cgroup;
    }

    /**
     * A worker whose supervisor the daemon started; a supervisor that dies before connecting fails it.
     * {@code cgroup} is the execution's, which the supervisor moves its child into once connected
     * ({@link ExecutionCgroup#NONE} for none); closing the worker kills it.
     */
    static SpawnedWorker spawned(Process process, CappedOutput stdout, CappedOutput stderr,
                                 CompletableFuture<ControlConnection> connection, ExecutionCgroup cgroup) {
        SpawnedWorker worker = new SpawnedWorker(process, stdout, stderr, connection, cgroup);
        process.onExit().thenRun(() -> connection.completeExceptionally(new IOException(
                "the worker exited with code " + process.exitValue() + " before connecting: " + stderr.text().strip())));
        return worker;
    }

    @Override
    public ControlConnection awaitConnection(Duration timeout) throws IOException, InterruptedException {
        try {
            return connection.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the worker did not connect within " + timeout.toSeconds() + " seconds");
        }
    }

    /** True while the supervisor is alive, or still coming up, and its connection has not failed. */
    public boolean isUsable() {
        return !connection.isCompletedExceptionally() && supervisor.isAlive();
    }

    /**
     * The supervisor sent its exit frame: the code and everything it started are dead and reaped,
     * so closing must not signal their process groups, whose ids the kernel may hand out again.
     */
    @Override
    public void reported(Frame.Exit exit) {
        reported = true;
    }

    /** Records the child that runs the code; it leads its own process group. */
    @Override
    public void codeStarted(long pid) {
        codeGroup = pid;
    }

    /**
     * SIGINT and SIGTERM go through the supervisor, which sends them to the code's process group only
     * while the code runs and says in its exit frame whether one did; SIGKILL goes straight to the
     * group, and so does any signal the supervisor can no longer be asked to send.
     */
    @Override
    public void signalCode(Signal signal) {
        long group = codeGroup;
        if (group <= 1 || reported) {
            return; // not started, or dead and reaped: its group id may be another process's by now
        }
        // The job went out before the child's start came back, so nothing else is being sent now.
        ControlConnection control = connection.isCompletedExceptionally() ? null : connection.getNow(null);
        if (signal != Signal.SIGKILL && control != null) {
            try {
                control.send(new Frame.SignalCode(signal.number()));
                return;
            } catch (IOException e) {
                // The supervisor is gone: signal the group from here.
            }
        }
        Posix.killGroup(group, signal);
    }

    @Override
    public void killSupervisor() {
        signalCode(Signal.SIGKILL);
        if (supervisor.isAlive()) {
            // The supervisor leads its own session and group, which holds anything it has not reaped.
            Posix.killGroup(supervisor.pid(), Signal.SIGKILL);
        }
    }

    @Override
    public OptionalInt awaitSupervisorExit(Duration timeout) throws InterruptedException {
        return supervisor.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)
                ? OptionalInt.of(supervisor.exitValue()) : OptionalInt.empty();
    }

    @Override
    public boolean awaitOutputEnd(Duration timeout) throws InterruptedException {
        return CappedOutput.awaitEnds(Deadline.after(timeout), stdout, stderr);
    }

    @Override
    public CappedOutput stdout() {
        return stdout;
    }

    @Override
    public CappedOutput stderr() {
        return stderr;
    }

    @Override
    public void limit(Limits limits) throws IOException {
        cgroup.limit(limits);
    }

    @Override
    public void endExecution() {
        // Whatever escaped the supervisor (by killing it first) dies here, before it can hold the
        // output pipes open.
        cgroup.close();
    }

    /** Kills whatever is left of the worker and closes its connection. */
    @Override
    public void close() {
        connection.thenAccept(ControlConnection::close);
        connection.completeExceptionally(new IOException("worker closed"));
        if (!reported && supervisor.isAlive()) {
            killSupervisor();
        }
        cgroup.close();
    }
}
