package dev.interpreterd.exec;

import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.CodeOutput;
import dev.interpreterd.units.Durations;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job on one worker and turns what happened into an {@link ExecutionResult}. On a box or a
 * fresh interpreter, whatever the code does, everything it started is gone when {@link #run()}
 * returns; in a context, the interpreter and what the code started in the background live on, unless
 * the execution cost the context its interpreter.
 */
final class Execution {

    private static final Logger log = LoggerFactory.getLogger(Execution.class);
    /** CPU time the code may burn past the daemon's SIGKILL before the kernel's SIGXCPU. */
    private static final Duration CPU_MARGIN = Duration.ofSeconds(1);
    /** Workers tried for one job, when those before died before its code started (their zygote was killed). */
    private static final int ATTEMPTS = 4;

    private final String sessionId = UUID.randomUUID().toString();
    private final Job job;
    private final WorkerSource<?> workers;
    private final WorkerEnvironment environment;
    private final Duration grace;
    private final Escalation escalation;
    private final CurrentStopper stopper = new CurrentStopper();
    private final Outputs outputs;
    private final ExecutionListener listener;
    private final Timeline timeline = new Timeline();

    Execution(Job job, WorkerSource<?> workers, WorkerEnvironment environment,
              ScheduledExecutorService timer, Duration grace, long resultsCapChars, ExecutionListener listener) {
        this.listener = listener;
        this.outputs = new Outputs(resultsCapChars);
        this.job = job;
        this.workers = workers;
        this.environment = environment;
        this.grace = grace;
        this.escalation = new Escalation(timer, grace, stopper);
    }

    /** Stops the execution as if its timeout had fired, giving the reason in its error. */
    void interrupt(String reason) {
        escalation.beginNow(reason);
    }

    /** Runs the job to its end. */
    ExecutionResult run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        listener.started(sessionId, this::interrupt);
        try {
            for (int attempt = 1; ; attempt++) {
                Worker w = null;
                try {
                    w = attempt == 1 ? workers.acquire() : workers.acquireFresh();
                    timeline.mark("acquired");
                    stopper.set(w.stopper());
                    w.output().stdout().listen(listener::stdout);
                    w.output().stderr().listen(listener::stderr);
                    Frame.Exit exitFrame = runJob(w);
                    escalation.cancel();
                    return answer(w, exitFrame, start);
                } catch (NotTaken e) {
                    if (attempt >= ATTEMPTS) {
                        throw e.failure;
                    }
                    log.warn("execution {}: its worker died before the code started ({}); trying a new one",
                            sessionId, e.failure.getMessage());
                    w.stopper().killSupervisor();
                } catch (IOException e) {
                    // A worker that could not be made, after one died: its maker (the zygote) may be starting again.
                    if (w != null || attempt == 1 || attempt >= ATTEMPTS) {
                        throw e;
                    }
                    log.warn("execution {}: no new worker ({}); trying again", sessionId, e.getMessage());
                } finally {
                    if (w != null) {
                        stopper.clear();
                        w.close();
                    }
                }
            }
        } finally {
            escalation.cancel();
        }
    }

    /** Hands the job to the worker and waits for its exit frame; null when there was none. */
    private Frame.Exit runJob(Worker w) throws IOException, InterruptedException, NotTaken {
        JobChannel channel = w.channel();
        channel.awaitReady(Worker.STARTUP_TIMEOUT);
        if (escalation.reason().isPresent()) {
            channel.withdraw(); // stopped before it began: no job goes to the runner
            return null;
        }
        // CPU time is a backstop behind the wall-clock timeout. It lies past the whole escalation,
        // plus a margin, so that the daemon's SIGTERM and SIGKILL come before the kernel's SIGXCPU
        // for code that burns one core; threads on several cores can burn it sooner.
        long cpuSeconds = Durations.wholeSecondsUp(escalation.lastSignalAfter(job.timeout()).plus(CPU_MARGIN));
        try {
            channel.limit(job.limits());
        } catch (IOException e) {
            log.warn("execution {}: could not set the cgroup's limits ({}); the process limits still hold",
                    sessionId, e.toString());
        }
        timeline.mark("limited");
        try {
            channel.send(new JobOrder(job, environment.with(job.envs()), job.limits().forRunner(cpuSeconds),
                    environment.user().forRunner()));
        } catch (IOException e) {
            if (job.contextId().isPresent()) {
                throw e;
            }
            throw new NotTaken(e);
        }
        timeline.mark("sent");
        escalation.arm(job.timeout());
        return awaitExit(w);
    }

    private ExecutionResult answer(Worker w, Frame.Exit exitFrame, long start) throws InterruptedException {
        // With an exit frame the supervisor has reported and is exiting; its own status only
        // matters when it died without one.
        OptionalInt supervisorExit = exitFrame == null ? w.channel().awaitRunnerExit(grace) : OptionalInt.empty();
        w.endExecution();
        CodeOutput output = w.output();
        if (!output.awaitEnd(grace)) {
            log.warn("execution {}: output pipes still open {} after the worker ended; answering with what was read",
                    sessionId, Durations.seconds(grace));
        }
        timeline.mark("outputEnded");
        Verdict verdict = Verdict.of(exitFrame, escalation.reason(), escalation.lastSignal(), supervisorExit);
        ExecutionResult result = new ExecutionResult(sessionId, verdict.status(), output.stdout().text(),
                output.stderr().text(), output.stdout().truncated(), output.stderr().truncated(), verdict.exitCode(),
                verdict.signal(), verdict.error(), outputs.list(), outputs.truncated(), job.contextId().orElse(null),
                w.channel().contextRestarted(), Durations.millis(System.nanoTime() - start));
        timeline.mark("answered");
        logResult(result, output);
        timeline.log(sessionId, exitFrame);
        return result;
    }

    /**
     * Reads frames until the runner's exit frame; null if the connection ended without one after the
     * code started, or after the daemon began to stop it.
     *
     * @throws NotTaken when the connection ended before the code started
     */
    private Frame.Exit awaitExit(Worker w) throws NotTaken {
        JobChannel channel = w.channel();
        boolean started = false;
        try {
            while (true) {
                Frame frame = channel.read();
                if (frame instanceof Frame.Started) {
                    started = true;
                    timeline.mark("started");
                } else if (frame instanceof Frame.Display display) {
                    Output output = new Output(Objects.requireNonNullElse(display.kind(), "display"), display.data());
                    if (outputs.add(output)) {
                        listener.output(output);
                    }
                } else if (frame instanceof Frame.Warning warning) {
                    log.warn("execution {}: {}", sessionId, warning.message());
                } else if (frame instanceof Frame.Exit exit) {
                    timeline.mark("exited");
                    return exit;
                } else {
                    log.warn("execution {}: ignoring a {} frame from the runner", sessionId, frame.getClass().getSimpleName());
                }
            }
        } catch (IOException e) {
            if (!started && job.contextId().isEmpty() && escalation.disarmUnlessBegun()) {
                throw new NotTaken(e);
            }
            if (!(e instanceof EOFException)) {
                log.warn("execution {}: control connection failed: {}", sessionId, e.toString());
                w.stopper().killSupervisor();
            }
            return null;
        }
    }

    private void logResult(ExecutionResult result, CodeOutput output) {
        log.info("execution {} status={} duration_ms={} stdout_bytes={} stderr_bytes={} exit_code={} signal={}{}",
                sessionId, result.status().wireName(), result.durationMs(), output.stdout().totalBytes(),
                output.stderr().totalBytes(), result.exitCode(), result.signal(), job.contextId()
                        .map(id -> " context=" + id + (result.contextRestarted() ? " context_restarted=true" : ""))
                        .orElse(""));
    }
}
