package dev.interpreterd.exec.box;

import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.exec.cgroup.ExecutionCgroup;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.os.NamedPipe;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Signal;
import dev.interpreterd.units.Durations;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One box: a process tree in PID and mount namespaces of its own, whose first process (its init)
 * runs one job at a time in a fresh child and kills everything else in the box when the child ends.
 * The daemon holds the init's control connection, its pid, the box's cgroup and the directory of its
 * output pipes, the one part of the runner directory the box sees. Its maker owns it: a pool, which
 * lends it to one execution at a time, or a context, which keeps it for its interpreter. The box
 * alone sends on the init's connection, one frame at a time; its users ask it to.
 */
public final class Box implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Box.class);

    private final ControlConnection control;
    private final long initPid;
    private final ExecutionCgroup cgroup;
    private final CompletableFuture<Integer> exit;
    private final PipeDirectory pipes;

    private Box(ControlConnection control, ExecutionCgroup cgroup, CompletableFuture<Integer> exit,
                PipeDirectory pipes) {
        this.control = control;
        this.initPid = control.peerPid();
        this.cgroup = cgroup;
        this.exit = exit;
        this.pipes = pipes;
    }

    /**
     * Has the zygote fork a box, with a directory of its own under {@code pipeRoot} (the runner
     * directory) for its output pipes, and waits until its init is connected and in the box's cgroup.
     *
     * @throws IOException when the box cannot be made, with the reason the runner gave
     */
    public static Box make(Zygote zygote, Cgroups cgroups, Path pipeRoot, Duration timeout)
            throws IOException, InterruptedException {
        PipeDirectory pipes = PipeDirectory.create(pipeRoot);
        ControlConnection connection;
        try {
            connection = awaitHello(zygote.forkBox(pipes.path()), timeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            pipes.close();
            throw e;
        }
        ExecutionCgroup cgroup = ExecutionCgroup.NONE;
        try {
            cgroup = cgroups.create();
        } catch (IOException e) {
            log.warn("no cgroup for a box ({}); its namespace alone holds its processes", e.toString());
        }
        Box box = new Box(connection, cgroup, zygote.exitOf(connection.peerPid()), pipes);
        try {
            // Always sent, even empty: the init forks nothing before it has joined its cgroups.
            box.send(new Frame.JoinCgroups(cgroup.procsFiles()));
        } catch (IOException e) {
            box.close();
            throw e;
        }
        return box;
    }

    private static ControlConnection awaitHello(CompletableFuture<ControlConnection> hello, Duration timeout)
            throws IOException, InterruptedException {
        try {
            return hello.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IOException("a box could not be made: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            abandon(hello);
            throw new IOException("a box did not start within " + Durations.seconds(timeout));
        } catch (InterruptedException e) {
            abandon(hello);
            throw e;
        }
    }

    /** Gives up on a box's hello: an init that says it later is hung up on, and exits. */
    private static void abandon(CompletableFuture<ControlConnection> hello) {
        hello.cancel(false);
        hello.thenAccept(ControlConnection::close); // it came just before the cancel
    }

    /**
     * A new named pipe in the box's own directory, where no other box can open it: for the box's
     * child to write output into.
     */
    public NamedPipe pipe(String name) throws IOException {
        return pipes.pipe(name);
    }

    /** Has the init run a job in a fresh child. */
    public void runJob(Frame.RunJob job) throws IOException {
        send(job);
    }

    /** Has the init's child become a context's interpreter, which lives on between executions. */
    public void startContext(Frame.StartContext start) throws IOException {
        send(start);
    }

    /** Has the context's interpreter, the init's child, run one execution. */
    public void runInContext(Frame.RunInContext run) throws IOException {
        send(run);
    }

    /**
     * Blocks until the init's next frame; one reader at a time, the box's user.
     *
     * @throws java.io.EOFException when the init closed its connection
     */
    public Frame read() throws IOException {
        return control.read();
    }

    /** Closes the init's connection without a job: the init then exits, and the box is done. */
    public void hangUp() {
        control.close();
    }

    /** The box's cgroup, {@link ExecutionCgroup#NONE} without one. */
    public ExecutionCgroup cgroup() {
        return cgroup;
    }

    /**
     * True while the init lives. Asked with {@code kill(pid, 0)}, not through {@code /proc}: the init
     * is non-dumpable and in a user namespace of its own, so where {@code /proc} hides the processes
     * the reader may not inspect (hidepid, systemd's {@code ProtectProc=invisible}, which the unit
     * sets) it has no entry there even for the daemon's own user, and every idle box would look dead.
     */
    public boolean isUsable() {
        return !exit.isDone() && Posix.exists(initPid);
    }

    /**
     * One stage of stopping the code: SIGINT and SIGTERM go, through the init, to the code's process
     * group; SIGKILL ends the whole box, and so does any signal the init can no longer be asked to send.
     *
     * @return true when the box was killed
     */
    public boolean stop(Signal signal) {
        if (signal != Signal.SIGKILL) {
            try {
                send(new Frame.SignalCode(signal.number()));
                return false;
            } catch (IOException e) {
                // The init is gone or stuck: end the box instead.
            }
        }
        kill();
        return true;
    }

    /** Sends one frame to the init; frames from several threads (a job, a timer's stop) go one after the other. */
    private synchronized void send(Frame frame) throws IOException {
        control.send(frame);
    }

    /** Kills the init; the kernel then kills every process in the box. */
    public void kill() {
        if (!exit.isDone()) {
            Posix.kill(initPid, Signal.SIGKILL);
        }
    }

    /** The init's exit value once it has ended, or empty if it still runs after the wait. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        try {
            return OptionalInt.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return OptionalInt.empty();
        }
    }

    /** Kills the box and removes its cgroup and its pipes' directory. */
    @Override
    public void close() {
        kill();
        control.close();
        cgroup.close();
        pipes.close();
    }
}
