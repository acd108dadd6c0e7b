package dev.interpreterd.context;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.Job;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.control.ControlConnection;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CappedOutput;
import dev.interpreterd.os.Signal;
import dev.interpreterd.units.Deadline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One execution's turn in a context: the job goes to the context's interpreter, and its output is
 * what the context's pipes carry until the marker the interpreter writes when the job has ended.
 * Closing the lease ends the turn; if the execution cost the interpreter its life, the context gets
 * a fresh one first.
 */
final class ContextLease implements Worker {

    /** Starts the marker; it occurs nowhere else in it, which the marker's search relies on. */
    private static final char MARKER_START = '\u0001';
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Contexts contexts;
    private final Context context;
    private final Context.Interpreter interpreter;
    private final CappedOutput stdout;
    private final CappedOutput stderr;
    private final String marker;
    /** True once the job went to the interpreter; a lease given back before that leaves the context as it was. */
    private volatile boolean sent;
    private volatile boolean reported;
    private volatile boolean alive;
    private volatile boolean killed;

    ContextLease(Contexts contexts, Context context, long outputCapBytes) {
        this.contexts = contexts;
        this.context = context;
        this.interpreter = context.interpreter();
        this.stdout = new CappedOutput(outputCapBytes);
        this.stderr = new CappedOutput(outputCapBytes);
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        this.marker = MARKER_START + HexFormat.of().formatHex(nonce);
        byte[] end = marker.getBytes(StandardCharsets.US_ASCII);
        interpreter.stdout().expect(stdout, end);
        interpreter.stderr().expect(stderr, end);
    }

    /** The context this execution runs in. */
    String contextId() {
        return context.id();
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
        return interpreter.box().control();
    }

    /** The context's interpreter waits on for the next execution; the turn is given back untouched. */
    @Override
    public void withdraw(ControlConnection control) {
        // Closing the connection would end the context's interpreter.
    }

    /** The context's supervisor lives on when no job was sent; otherwise as the box's init does. */
    @Override
    public OptionalInt awaitSupervisorExit(Duration timeout) throws InterruptedException {
        return sent || killed ? interpreter.box().awaitExit(timeout) : OptionalInt.empty();
    }

    /** The request's envs only: the context's own environment is already the interpreter's. */
    @Override
    public Frame jobFrame(Job job, Map<String, String> env, Map<String, Long> limits, Map<String, Object> user) {
        sent = true;
        return new Frame.RunInContext(job.code(), job.envs(), limits.getOrDefault("cpuSeconds", 0L), marker);
    }

    /** The context's own limits: an execution in a context cannot ask for others. */
    @Override
    public void limit(Limits limits) throws IOException {
        interpreter.box().cgroup().limit(context.settings().limits());
    }

    @Override
    public void codeStarted(long pid) {
        // The context's pipes are read for its whole life; nothing to start.
    }

    @Override
    public void reported(Frame.Exit exit) {
        reported = true;
        alive = exit.alive();
    }

    /** A context that was deleted while the execution ran is not restarted: it is gone. */
    @Override
    public boolean contextRestarted() {
        return lostInterpreter() && !context.ended();
    }

    private boolean lostInterpreter() {
        return killed || sent && (!reported || !alive);
    }

    /** SIGINT and SIGTERM go to the code's process group; SIGKILL ends the whole box. */
    @Override
    public void signalCode(Signal signal) {
        if (!sent) {
            return; // nothing of this execution runs: the interpreter is between jobs
        }
        if (interpreter.box().stop(signal)) {
            killed = true;
        }
    }

    @Override
    public void killSupervisor() {
        killed = true;
        interpreter.box().kill();
    }


    /** An interpreter that did not live through the execution is ended with its box and everything in it. */
    @Override
    public void endExecution() {
        if (lostInterpreter()) {
            interpreter.box().kill();
        }
    }

    @Override
    public boolean awaitOutputEnd(Duration timeout) throws InterruptedException {
        return CappedOutput.awaitEnds(Deadline.after(timeout), stdout, stderr);
    }

    /** Ends the turn; a lease whose job never went to the interpreter hands the turn back without counting it. */
    @Override
    public void close() {
        if (sent || killed) {
            contexts.endTurn(context, lostInterpreter());
        } else {
            context.giveBackTurn();
        }
    }
}
