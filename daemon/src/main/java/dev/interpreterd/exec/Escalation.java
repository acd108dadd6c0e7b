package dev.interpreterd.exec;

import dev.interpreterd.units.Durations;
import dev.interpreterd.os.Signal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Stops an execution the daemon no longer wants: SIGINT to the code's process group, then after a
 * grace period SIGTERM, then SIGKILL, then the supervisor itself. Each step is a timer, not a poll,
 * and {@link #cancel()} (the worker finished) disarms whatever is still pending.
 */
final class Escalation {

    private static final Signal[] STEPS = {Signal.SIGINT, Signal.SIGTERM, Signal.SIGKILL};

    private final ScheduledExecutorService timer;
    private final Duration grace;
    private final Stoppable target;
    private ScheduledFuture<?> pending;
    private Signal lastSignal;
    private String reason;
    private boolean finished;

    Escalation(ScheduledExecutorService timer, Duration grace, Stoppable target) {
        this.timer = timer;
        this.grace = grace;
        this.target = target;
    }

    /** Whether an escalation that got as far as {@code last} sent the signal with this number. */
    static boolean sent(int signal, Optional<Signal> last) {
        List<Signal> steps = List.of(STEPS);
        return last.isPresent() && Signal.of(signal)
                .filter(s -> steps.contains(s) && steps.indexOf(s) <= steps.indexOf(last.get())).isPresent();
    }

    /** When, counted from the start of the code, SIGKILL comes at the latest for this timeout. */
    Duration lastSignalAfter(Duration timeout) {
        return timeout.plus(grace.multipliedBy(STEPS.length - 1));
    }

    /** Starts the escalation after {@code timeout}, unless it is cancelled first. */
    synchronized void arm(Duration timeout) {
        if (!finished && reason == null) {
            String why = "execution timed out after " + Durations.seconds(timeout);
            pending = timer.schedule(() -> begin(why), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Disarms the timer armed for a job that never started, so it can be armed again for another
     * worker; false when the escalation has already begun (the daemon is stopping the execution).
     */
    synchronized boolean disarmUnlessBegun() {
        if (reason != null || finished) {
            return false;
        }
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        return true;
    }

    /** Starts the escalation now, e.g. because the daemon is shutting down. */
    void beginNow(String why) {
        begin(why);
    }

    /** The worker is done: nothing more will be sent. */
    synchronized void cancel() {
        finished = true;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    /** Why the daemon stopped the execution, if it did. */
    synchronized Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** The last signal sent to the code's group, if any. */
    synchronized Optional<Signal> lastSignal() {
        return Optional.ofNullable(lastSignal);
    }

    private synchronized void begin(String why) {
        if (finished || reason != null) {
            return;
        }
        reason = why;
        step(0);
    }

    private synchronized void step(int index) {
        if (finished) {
            return;
        }
        if (index < STEPS.length) {
            lastSignal = STEPS[index];
            target.signalCode(lastSignal);
        } else {
            // The supervisor should have reported by now; something stops it, so end it too.
            target.killSupervisor();
            return;
        }
        pending = timer.schedule(() -> step(index + 1), grace.toNanos(), TimeUnit.NANOSECONDS);
    }
}
