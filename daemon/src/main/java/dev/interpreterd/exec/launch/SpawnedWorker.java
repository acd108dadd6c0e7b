package dev.interpreterd.exec.launch;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.JobChannel;
import dev.interpreterd.exec.JobOrder;
import dev.interpreterd.exec.Stoppable;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.cgroup.ExecutionCgroup;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CodeOutput;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A runner started afresh for one job, its supervisor. It owns the supervisor's control connection
 * and alone sends on it, one frame at a time: the cgroup, the job, the signals for the code. The
 * supervisor runs the code in a child that leads its own process group; signals for the code go to
 * that group, through the supervisor but for SIGKILL.
 */
public final class SpawnedWorker implements Worker, JobChannel, Stoppable {

    private final RunnerProcess supervisor;
    private final ExecutionCgroup cgroup;
    private volatile long codeGroup;
    private volatile boolean reported;

    /**
     * A worker on a supervisor the launcher started. {@code cgroup} is the execution's, which the
     * supervisor moves its child into once told ({@link ExecutionCgroup#NONE} for none); closing the
     * worker kills it.
     */
    SpawnedWorker(RunnerProcess supervisor, ExecutionCgroup cgroup) {
        this.supervisor = supervisor;
        this.cgroup = cgroup;
    }

    /** Waits until the supervisor connects and tells it to move its waiting child into the cgroup, if there is one. */
    void joinCgroup(Duration timeout) throws IOException, InterruptedException {
        if (cgroup != ExecutionCgroup.NONE) {
            send(supervisor.awaitConnection(timeout), new Frame.JoinCgroups(cgroup.procsFiles()));
        }
    }

    /** True while the supervisor is alive, or still coming up, and its connection has not failed. */
    public boolean isUsable() {
        return supervisor.isUsable();
    }

    @Override
    public CodeOutput output() {
        return supervisor.output();
    }

    @Override
    public JobChannel channel() {
        return this;
    }

    @Override
    public Stoppable stopper() {
        return this;
    }

    @Override
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        supervisor.awaitConnection(timeout);
    }

    @Override
    public void withdraw() {
        supervisor.connection().ifPresent(ControlConnection::close);
    }

    @Override
    public void limit(Limits limits) throws IOException {
        cgroup.limit(limits);
    }

    /** The job, for a child whose output is the supervisor's own. */
    @Override
    public void send(JobOrder order) throws IOException {
        send(connected(), order.runJob(null, null, null));
    }

    /**
     * The next frame. A start records the child that runs the code, which leads its own process group;
     * an exit frame means the code and everything it started are dead and reaped, so closing must not
     * signal their process groups, whose ids the kernel may hand out again.
     */
    @Override
    public Frame read() throws IOException {
        Frame frame = connected().read();
        if (frame instanceof Frame.Started started) {
            codeGroup = started.pid();
        } else if (frame instanceof Frame.Exit) {
            reported = true;
        }
        return frame;
    }

    private ControlConnection connected() throws IOException {
        return supervisor.connection().orElseThrow(() -> new IOException("the worker is not connected"));
    }

    @Override
    public OptionalInt awaitRunnerExit(Duration timeout) throws InterruptedException {
        return supervisor.awaitExit(timeout);
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
        Optional<ControlConnection> control = supervisor.connection();
        if (signal != Signal.SIGKILL && control.isPresent()) {
            try {
                send(control.get(), new Frame.SignalCode(signal.number()));
                return;
            } catch (IOException e) {
                // The supervisor is gone: signal the group from here.
            }
        }
        Posix.killGroup(group, signal);
    }

    /** Sends one frame; frames from several threads (a request's job, a timer's stop) go one after the other. */
    private synchronized void send(ControlConnection control, Frame frame) throws IOException {
        control.send(frame);
    }

    @Override
    public void killSupervisor() {
        signalCode(Signal.SIGKILL);
        // The supervisor leads its own session and group, which holds anything it has not reaped.
        supervisor.kill();
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
        supervisor.disconnect();
        if (!reported && supervisor.isAlive()) {
            killSupervisor();
        }
        cgroup.close();
    }
}
