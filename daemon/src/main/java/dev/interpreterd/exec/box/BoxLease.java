package dev.interpreterd.exec.box;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.JobChannel;
import dev.interpreterd.exec.JobOrder;
import dev.interpreterd.exec.Stoppable;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CappedOutput;
import dev.interpreterd.exec.output.CodeOutput;
import dev.interpreterd.exec.output.OutputPumps;
import dev.interpreterd.os.NamedPipe;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution's use of a box: the box, and the pair of named pipes its child writes the code's
 * output into. The job and the signals go through the box, which alone sends on its init's
 * connection. Closing the lease hands a box that reported back to its pool, clean, and has any
 * other box replaced.
 */
final class BoxLease implements Worker, JobChannel, Stoppable {

    private static final Logger log = LoggerFactory.getLogger(BoxLease.class);

    private final BoxPool pool;
    private final Box box;
    private final NamedPipe stdoutPipe;
    private final NamedPipe stderrPipe;
    private final CodeOutput output;
    private final ExecutorService pumps;
    private final boolean warmNext;
    private volatile boolean pumping;
    private volatile boolean reported;
    private volatile boolean killed;

    /** @param warmNext whether the child the box forks after this job should warm up while it waits */
    BoxLease(BoxPool pool, Box box, NamedPipe stdoutPipe, NamedPipe stderrPipe, long outputCapBytes,
             ExecutorService pumps, boolean warmNext) {
        this.pool = pool;
        this.box = box;
        this.stdoutPipe = stdoutPipe;
        this.stderrPipe = stderrPipe;
        this.output = CodeOutput.capped(outputCapBytes);
        this.pumps = pumps;
        this.warmNext = warmNext;
    }

    @Override
    public CodeOutput output() {
        return output;
    }

    @Override
    public JobChannel channel() {
        return this;
    }

    @Override
    public Stoppable stopper() {
        return this;
    }

    /** A pooled box's init is connected before the box is lent. */
    @Override
    public void awaitReady(Duration timeout) {
    }

    @Override
    public void withdraw() {
        box.hangUp();
    }

    @Override
    public void limit(Limits limits) throws IOException {
        box.cgroup().limit(limits);
    }

    /** The job, with the pipes the child opens as fd 1 and 2. */
    @Override
    public void send(JobOrder order) throws IOException {
        box.runJob(order.runJob(stdoutPipe.path().toString(), stderrPipe.path().toString(), warmNext));
    }

    @Override
    public Frame read() throws IOException {
        Frame frame = box.read();
        if (frame instanceof Frame.Started) {
            startPumps();
        } else if (frame instanceof Frame.Exit) {
            reported = true;
        }
        return frame;
    }

    /** The child has opened its ends of the pipes: reading them now ends only when every writer is gone. */
    private void startPumps() {
        try {
            pump(stdoutPipe, output.stdout());
            pump(stderrPipe, output.stderr());
            pumping = true;
        } catch (IOException e) {
            log.warn("could not read the output pipes of a box: {}", e.toString());
            killSupervisor();
        }
    }

    private void pump(NamedPipe pipe, CappedOutput target) throws IOException {
        var in = pipe.openReader();
        pumps.execute(() -> OutputPumps.pump(in, target));
    }

    @Override
    public OptionalInt awaitRunnerExit(Duration timeout) throws InterruptedException {
        return box.awaitExit(timeout);
    }

    /** SIGINT and SIGTERM go to the code's process group; SIGKILL ends the whole box. */
    @Override
    public void signalCode(Signal signal) {
        if (box.stop(signal)) {
            killed = true;
        }
    }

    @Override
    public void killSupervisor() {
        killed = true;
        box.kill();
    }

    /**
     * A box that reported has already killed and reaped everything its child left; any other is
     * killed now, and once its init has ended nothing of it is left. Output that no pump reads has
     * ended with what was kept.
     */
    @Override
    public void endExecution() {
        if (!pumping) {
            output.end();
        }
        if (!reported || killed) {
            killSupervisor();
        }
    }

    @Override
    public void close() {
        // Without pumps the daemon still holds the read ends; a pump closes its own at end of file.
        stdoutPipe.close();
        stderrPipe.close();
        pool.giveBack(box, reported && !killed);
    }
}
