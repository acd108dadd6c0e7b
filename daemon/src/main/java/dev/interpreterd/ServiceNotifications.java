package dev.interpreterd;

import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.os.Threads;
import dev.interpreterd.os.Notifier;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the service manager informed: {@code READY=1} once the daemon can run code,
 * {@code STATUS=} with the running and queued counts, {@code WATCHDOG=1} at half the watchdog
 * interval when systemd asks for pings, and {@code STOPPING=1} at shutdown.
 */
final class ServiceNotifications implements AutoCloseable {

    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);

    private final Notifier notifier;
    private final ExecutionService executions;
    private final Duration watchdogInterval;
    private final ScheduledExecutorService timer;
    private String listening = "";
    private String lastStatus = "";

    /**
     * @param environment the daemon's environment, for {@code WATCHDOG_USEC} and {@code WATCHDOG_PID}
     */
    ServiceNotifications(Notifier notifier, Map<String, String> environment, ExecutionService executions) {
        this.notifier = notifier;
        this.executions = executions;
        this.watchdogInterval = watchdogInterval(environment);
        this.timer = notifier == Notifier.NONE ? null
                : Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-notify"));
    }

    /** Says the daemon is ready; call once it listens on {@code address} and can run code. */
    synchronized void ready(String address) {
        listening = "listening on " + address;
        lastStatus = status();
        notifier.notify("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=" + lastStatus);
        if (timer == null) {
            return;
        }
        timer.scheduleAtFixedRate(this::updateStatus, STATUS_INTERVAL.toMillis(), STATUS_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        if (!watchdogInterval.isZero()) {
            long halfMicros = watchdogInterval.toNanos() / 2_000;
            timer.scheduleAtFixedRate(() -> notifier.notify("WATCHDOG=1"), 0, halfMicros, TimeUnit.MICROSECONDS);
        }
    }

    /** Says the daemon is stopping. */
    void stopping() {
        notifier.notify("STOPPING=1\nSTATUS=stopping: interrupting " + executions.running() + " running executions");
    }

    private synchronized void updateStatus() {
        String status = status();
        if (!status.equals(lastStatus)) {
            lastStatus = status;
            notifier.notify("STATUS=" + status);
        }
    }

    private String status() {
        return listening + "; " + executions.running() + " running, " + executions.queued() + " queued, "
                + executions.slots() + " slots";
    }

    /** The interval systemd expects pings at, or zero when it expects none of this process. */
    static Duration watchdogInterval(Map<String, String> environment) {
        String usec = environment.get("WATCHDOG_USEC");
        String pid = environment.get("WATCHDOG_PID");
        if (usec == null || (pid != null && !pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            return Duration.ZERO;
        }
        try {
            return Duration.ofNanos(Math.multiplyExact(Long.parseLong(usec.trim()), 1000L));
        } catch (NumberFormatException | ArithmeticException e) {
            return Duration.ZERO;
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
