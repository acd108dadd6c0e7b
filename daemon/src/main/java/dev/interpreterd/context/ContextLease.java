package dev.interpreterd.context;

import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.JobChannel;
import dev.interpreterd.exec.JobOrder;
import dev.interpreterd.exec.Stoppable;
import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CodeOutput;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.OptionalInt;

/**
 * One execution's turn in a context: the job goes to the context's interpreter, and its output is
 * what the context's pipes carry until the marker the interpreter writes when the job has ended.
 * The job and the signals go through the context's box, which alone sends on its init's connection.
 * Closing the lease ends the turn; if the execution cost the interpreter its life, the context gets
 * a fresh one first.
 */
final class ContextLease implements Worker, JobChannel, Stoppable {

    /** Starts the marker; it occurs nowhere else in it, which the marker's search relies on. */
    private static final char MARKER_START = '\u0001';
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Contexts contexts;
    private final Context context;
    private final Interpreter interpreter;
    private final CodeOutput output;
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
        this.output = CodeOutput.capped(outputCapBytes);
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        this.marker = MARKER_START + HexFormat.of().formatHex(nonce);
        byte[] end = marker.getBytes(StandardCharsets.US_ASCII);
        interpreter.stdout().expect(output.stdout(), end);
        interpreter.stderr().expect(output.stderr(), end);
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

    /** The context's interpreter is ready whenever its turn comes. */
    @Override
    public void awaitReady(Duration timeout) {
    }

    /** The context's interpreter waits on for the next execution; the turn is given back untouched. */
    @Override
    public void withdraw() {
        // Closing the connection would end the context's interpreter.
    }

    /** The context's supervisor lives on when no job was sent; otherwise as the box's init does. */
    @Override
    public OptionalInt awaitRunnerExit(Duration timeout) throws InterruptedException {
        return sent || killed ? interpreter.box().awaitExit(timeout) : OptionalInt.empty();
    }

    /** The request's envs only: the context's own environment is already the interpreter's. */
    @Override
    public void send(JobOrder order) throws IOException {
        sent = true;
        interpreter.box().runInContext(new Frame.RunInContext(order.job().code(), order.job().envs(),
                order.limits().getOrDefault("cpuSeconds", 0L), marker));
    }

    /** The context's own limits: an execution in a context cannot ask for others. */
    @Override
    public void limit(Limits limits) throws IOException {
        interpreter.box().cgroup().limit(context.settings().limits());
    }

    /** The context's pipes are read for its whole life: of the frames, only the exit tells this lease anything. */
    @Override
    public Frame read() throws IOException {
        Frame frame = interpreter.box().read();
        if (frame instanceof Frame.Exit exit) {
            reported = true;
            alive = exit.alive();
        }
        return frame;
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
