package dev.interpreterd.exec.box;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CappedOutput;
import dev.interpreterd.exec.output.OutputPumps;
import dev.interpreterd.units.Deadline;
import dev.interpreterd.os.NamedPipe;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution's use of a box: the box, and the pair of named pipes its child writes the code's
 * output into. Closing the lease hands a box that reported back to its pool, clean, and has any
 * other box replaced.
 */
final class BoxLease implements Worker {

    private static final Logger log = LoggerFactory.getLogger(BoxLease.class);

    private final BoxPool pool;
    private final Box box;
    private final NamedPipe stdoutPipe;
    private final NamedPipe stderrPipe;
    private final CappedOutput stdout;
    private final CappedOutput stderr;
    private final ExecutorService pumps;
    private volatile boolean pumping;
    private volatile boolean reported;
    private volatile boolean killed;
    private final boolean warmNext;

    BoxLease(BoxPool pool, Box box, NamedPipe stdoutPipe, NamedPipe stderrPipe, long outputCapBytes,
             ExecutorService pumps, boolean warmNext) {
        this.warmNext = warmNext;
        this.pool = pool;
        this.box = box;
        this.stdoutPipe = stdoutPipe;
        this.stderrPipe = stderrPipe;
        this.stdout = new CappedOutput(outputCapBytes);
        this.stderr = new CappedOutput(outputCapBytes);
        this.pumps = pumps;
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
    public ControlConnection awaitConnection(Duration timeout) {
        return box.control();
    }

    @Override
    public Optional<String> outputPipe(int fd) {
        return Optional.of((fd == 1 ? stdoutPipe : stderrPipe).path().toString());
    }

    @Override
    public Optional<Boolean> warmNext() {
        return Optional.of(warmNext);
    }

    @Override
    public void limit(Limits limits) throws IOException {
        box.cgroup().limit(limits);
    }

    /** The child has opened its ends of the pipes: reading them now ends only when every writer is gone. */
    @Override
    public void codeStarted(long pid) {
        try {
            pump(stdoutPipe, stdout);
            pump(stderrPipe, stderr);
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
    public void reported(Frame.Exit exit) {
        reported = true;
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

    @Override
    public OptionalInt awaitSupervisorExit(Duration timeout) throws InterruptedException {
        return box.awaitExit(timeout);
    }

    /**
     * A box that reported has already killed and reaped everything its child left; any other is
     * killed now, and once its init has ended nothing of it is left.
     */
    @Override
    public void endExecution() {
        if (!reported || killed) {
            killSupervisor();
        }
    }

    @Override
    public boolean awaitOutputEnd(Duration timeout) throws InterruptedException {
        if (!pumping) {
            return true;
        }
        return CappedOutput.awaitEnds(Deadline.after(timeout), stdout, stderr);
    }

    @Override
    public void close() {
        // Without pumps the daemon still holds the read ends; a pump closes its own at end of file.
        stdoutPipe.close();
        stderrPipe.close();
        pool.giveBack(box, reported && !killed);
    }
}
