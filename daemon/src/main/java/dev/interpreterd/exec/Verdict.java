package dev.interpreterd.exec;

import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.os.Signal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decides status, exit code, signal and error of a finished execution from what the supervisor
 * reported and from what the daemon itself did to the worker. A stop answers {@link Status#INTERRUPTED}
 * only when one of the daemon's signals reached the code; a timeout that fired just after the code
 * ended leaves the code's own outcome.
 *
 * @param status how the execution ended
 * @param exitCode the code's exit code, null when a signal ended it (always for {@link Status#INTERRUPTED})
 * @param signal the signal's name, null when none applies
 * @param error the error, null for ok and exit
 */
record Verdict(Status status, Integer exitCode, String signal, ErrorInfo error) {

    private static final String TIMEOUT_ERROR = "TimeoutError";

    /**
     * @param exitFrame the supervisor's {@code exit} frame, or null if it never sent one
     * @param stopReason why the daemon stopped the code, if it did
     * @param lastSignal the last signal the daemon sent to the code's group
     * @param supervisorExit the supervisor's own exit value, if known
     */
    static Verdict of(Frame.Exit exitFrame, Optional<String> stopReason, Optional<Signal> lastSignal,
                      OptionalInt supervisorExit) {
        Integer exitCode = exitFrame == null ? null : exitFrame.exitCode();
        Frame.Report report = exitFrame == null ? null : exitFrame.report();
        boolean hasReport = report != null;
        Integer signal = exitFrame == null ? null : exitFrame.signal();
        if (stopReason.isPresent() && stoppedByTheDaemon(exitFrame, lastSignal)) {
            // The daemon's signal ended the code, whatever exit code Python chose on its way out.
            List<String> traceback = hasReport ? lines(report.traceback()) : List.of();
            return new Verdict(Status.INTERRUPTED, null, lastSignal.map(Enum::name).orElse(null),
                    new ErrorInfo(TIMEOUT_ERROR, stopReason.get(), traceback));
        }
        if (exitFrame == null) {
            return lostWorker(supervisorExit);
        }
        if (signal != null) {
            return killedBy(signal, stopReason);
        }
        String outcome = hasReport ? Objects.requireNonNullElse(report.outcome(), "") : "";
        if (outcome.equals("error")) {
            return new Verdict(Status.ERROR, exitCode, null, new ErrorInfo(Objects.toString(report.name(), ""),
                    Objects.toString(report.value(), ""), lines(report.traceback())));
        }
        boolean clean = outcome.equals("ok") && exitCode != null && exitCode == 0;
        return new Verdict(clean ? Status.OK : Status.EXIT, exitCode, null, null);
    }

    /**
     * Whether the daemon's stop ended the code: it killed the worker before any report, a signal it
     * sent killed the child, or one reached the code, which then ended (say, by KeyboardInterrupt).
     */
    private static boolean stoppedByTheDaemon(Frame.Exit exitFrame, Optional<Signal> lastSignal) {
        if (exitFrame == null) {
            return true;
        }
        Integer signal = exitFrame.signal();
        return signal == null ? exitFrame.signalled() : Escalation.sent(signal, lastSignal);
    }

    /** Also when a signal the daemon did not send (a resource limit, a crash) came before its own. */
    private static Verdict killedBy(int signal, Optional<String> stopReason) {
        String name = Signal.nameOf(signal);
        String during = stopReason.map(why -> " while the daemon was stopping it (" + why + ")").orElse("");
        return new Verdict(Status.KILLED, null, name,
                new ErrorInfo("Killed", "the code was killed by signal " + name + during, List.of()));
    }

    private static Verdict lostWorker(OptionalInt supervisorExit) {
        // The JDK reports a death by signal N as exit value 128 + N.
        String signal = supervisorExit.isPresent() && supervisorExit.getAsInt() > 128
                ? Signal.nameOf(supervisorExit.getAsInt() - 128) : null;
        String how = signal != null ? "was killed by " + signal
                : supervisorExit.isPresent() ? "exited with status " + supervisorExit.getAsInt() : "stopped answering";
        return new Verdict(Status.KILLED, null, signal, new ErrorInfo("WorkerLost",
                "the worker's supervisor " + how + " before reporting a result", List.of()));
    }

    private static List<String> lines(List<String> traceback) {
        return traceback == null ? List.of() : traceback;
    }
}
