package dev.interpreterd.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.os.Signal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The verdict as a pure function of the exit frame and of what the daemon did: a stop answers
 * {@code interrupted} only when one of the daemon's signals reached the code.
 */
class VerdictTest {

    private static final Optional<String> TIMED_OUT = Optional.of("execution timed out after 1 second");
    private static final Optional<Signal> SIGINT_SENT = Optional.of(Signal.SIGINT);
    private static final Frame.Report OK = new Frame.Report("report", "ok", null, null, null, null);
    private static final Frame.Report EXIT_3 = new Frame.Report("report", "exit", 3, null, null, null);
    private static final Frame.Report ZERO_DIVISION = new Frame.Report("report", "error", null,
            "ZeroDivisionError", "division by zero", List.of("ZeroDivisionError: division by zero"));
    private static final Frame.Report KEYBOARD_INTERRUPT = new Frame.Report("report", "error", null,
            "KeyboardInterrupt", "", List.of("Traceback (most recent call last):", "KeyboardInterrupt"));

    @Test
    void a_timeout_that_fired_just_after_the_code_ended_ok_leaves_it_ok() {
        Verdict verdict = of(exited(0, OK, false), TIMED_OUT, SIGINT_SENT);
        assertEquals(Status.OK, verdict.status());
        assertEquals(0, verdict.exitCode());
        assertNull(verdict.signal());
        assertNull(verdict.error());
    }

    @Test
    void a_timeout_that_fired_just_after_the_code_failed_leaves_its_error() {
        Verdict verdict = of(exited(1, ZERO_DIVISION, false), TIMED_OUT, SIGINT_SENT);
        assertEquals(Status.ERROR, verdict.status());
        assertEquals(1, verdict.exitCode());
        assertEquals("ZeroDivisionError", verdict.error().name());
    }

    @Test
    void a_timeout_that_fired_just_after_the_code_exited_leaves_its_exit_code() {
        Verdict verdict = of(exited(3, EXIT_3, false), TIMED_OUT, SIGINT_SENT);
        assertEquals(Status.EXIT, verdict.status());
        assertEquals(3, verdict.exitCode());
    }

    @Test
    void a_context_that_reported_before_the_timeout_fired_keeps_its_outcome() {
        Frame.Exit alive = new Frame.Exit(7, 0, null, OK, true, false);
        assertEquals(Status.OK, of(alive, TIMED_OUT, SIGINT_SENT).status());
    }

    @Test
    void sigint_that_reached_the_code_is_interrupted_with_the_codes_traceback() {
        Verdict verdict = of(exited(1, KEYBOARD_INTERRUPT, true), TIMED_OUT, SIGINT_SENT);
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertNull(verdict.exitCode());
        assertEquals("SIGINT", verdict.signal());
        assertEquals("TimeoutError", verdict.error().name());
        assertEquals(TIMED_OUT.get(), verdict.error().value());
        assertEquals("KeyboardInterrupt", verdict.error().traceback().get(1));
    }

    @Test
    void code_that_caught_sigint_and_ended_ok_is_still_interrupted() {
        assertEquals(Status.INTERRUPTED, of(exited(0, OK, true), TIMED_OUT, SIGINT_SENT).status());
    }

    @Test
    void code_killed_by_the_daemons_signal_is_interrupted_with_that_signal() {
        Verdict verdict = of(killed(Signal.SIGKILL, true), TIMED_OUT, Optional.of(Signal.SIGKILL));
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertEquals("SIGKILL", verdict.signal());
    }

    @Test
    void a_signal_the_daemon_did_not_send_is_killed_even_during_a_stop() {
        Verdict verdict = of(killed(Signal.SIGXCPU, true), TIMED_OUT, SIGINT_SENT);
        assertEquals(Status.KILLED, verdict.status());
        assertEquals("SIGXCPU", verdict.signal());
    }

    @Test
    void a_signal_of_a_later_stage_than_the_daemon_reached_is_killed() {
        assertEquals(Status.KILLED, of(killed(Signal.SIGKILL, true), TIMED_OUT, SIGINT_SENT).status());
    }

    @Test
    void a_stopped_worker_that_never_reported_is_interrupted_by_the_last_stage() {
        Verdict verdict = of(null, TIMED_OUT, Optional.of(Signal.SIGKILL));
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertEquals("SIGKILL", verdict.signal());
    }

    @Test
    void a_worker_lost_without_a_stop_is_killed() {
        Verdict verdict = Verdict.of(null, Optional.empty(), Optional.empty(), OptionalInt.of(128 + 9));
        assertEquals(Status.KILLED, verdict.status());
        assertEquals("SIGKILL", verdict.signal());
        assertEquals("WorkerLost", verdict.error().name());
    }

    @Test
    void without_a_stop_the_codes_outcome_stands() {
        assertEquals(Status.OK, of(exited(0, OK, false), Optional.empty(), Optional.empty()).status());
        assertEquals(Status.KILLED, of(killed(Signal.SIGSEGV, false), Optional.empty(), Optional.empty()).status());
    }

    @Test
    void sys_exit_zero_is_exit_not_ok() {
        Verdict verdict = of(exited(0, new Frame.Report("report", "exit", 0, null, null, null), false),
                Optional.empty(), Optional.empty());
        assertEquals(Status.EXIT, verdict.status());
        assertEquals(0, verdict.exitCode());
        assertNull(verdict.signal());
        assertNull(verdict.error());
    }

    @Test
    void code_that_ended_without_a_report_is_exit_with_its_exit_code() {
        // os._exit(n) skips the report.
        Verdict verdict = of(exited(4, null, false), Optional.empty(), Optional.empty());
        assertEquals(Status.EXIT, verdict.status());
        assertEquals(4, verdict.exitCode());
        assertNull(verdict.error());
    }

    @Test
    void an_ok_report_with_a_non_zero_exit_code_is_exit() {
        // Python itself can fail after the code ran to its end, e.g. flushing a closed stdout (120).
        Verdict verdict = of(exited(120, OK, false), Optional.empty(), Optional.empty());
        assertEquals(Status.EXIT, verdict.status());
        assertEquals(120, verdict.exitCode());
    }

    @Test
    void an_error_keeps_the_codes_exit_code_name_value_and_traceback() {
        Verdict verdict = of(exited(1, ZERO_DIVISION, false), Optional.empty(), Optional.empty());
        assertEquals(Status.ERROR, verdict.status());
        assertEquals(1, verdict.exitCode());
        assertNull(verdict.signal());
        assertEquals(new ErrorInfo("ZeroDivisionError", "division by zero", List.of("ZeroDivisionError: division by zero")),
                verdict.error());
    }

    @Test
    void an_error_report_missing_its_fields_still_answers_strings_and_a_list() {
        Frame.Report bare = new Frame.Report("report", "error", null, null, null, null);
        assertEquals(new ErrorInfo("", "", List.of()), of(exited(1, bare, false), Optional.empty(), Optional.empty()).error());
    }

    @Test
    void killed_has_no_exit_code_and_an_error_naming_the_signal() {
        Verdict verdict = of(killed(Signal.SIGSEGV, false), Optional.empty(), Optional.empty());
        assertEquals(Status.KILLED, verdict.status());
        assertNull(verdict.exitCode());
        assertEquals("SIGSEGV", verdict.signal());
        assertEquals(new ErrorInfo("Killed", "the code was killed by signal SIGSEGV", List.of()), verdict.error());
    }

    @Test
    void killed_during_a_stop_says_why_the_daemon_was_stopping_it() {
        Verdict verdict = of(killed(Signal.SIGXCPU, true), TIMED_OUT, SIGINT_SENT);
        assertEquals("the code was killed by signal SIGXCPU while the daemon was stopping it"
                + " (execution timed out after 1 second)", verdict.error().value());
    }

    @Test
    void a_signal_without_a_standard_name_is_named_by_its_number() {
        Frame.Exit realTime = new Frame.Exit(7, null, 40, null, false, false);
        Verdict verdict = of(realTime, Optional.empty(), Optional.empty());
        assertEquals(Status.KILLED, verdict.status());
        assertEquals("SIG40", verdict.signal());
    }

    @Test
    void code_killed_by_sigterm_after_sigint_is_interrupted_by_sigterm() {
        Verdict verdict = of(killed(Signal.SIGTERM, true), TIMED_OUT, Optional.of(Signal.SIGTERM));
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertNull(verdict.exitCode());
        assertEquals("SIGTERM", verdict.signal());
        assertEquals(new ErrorInfo("TimeoutError", TIMED_OUT.get(), List.of()), verdict.error());
    }

    @Test
    void the_reason_of_the_stop_is_the_error_value() {
        Optional<String> shutdown = Optional.of("the daemon is shutting down");
        Verdict verdict = of(exited(1, KEYBOARD_INTERRUPT, true), shutdown, SIGINT_SENT);
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertEquals("the daemon is shutting down", verdict.error().value());
    }

    @Test
    void a_stopped_worker_that_never_reported_has_an_empty_traceback() {
        Verdict verdict = of(null, TIMED_OUT, SIGINT_SENT);
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertEquals("SIGINT", verdict.signal());
        assertEquals(new ErrorInfo("TimeoutError", TIMED_OUT.get(), List.of()), verdict.error());
    }

    @Test
    void a_worker_lost_during_a_stop_before_any_signal_is_interrupted_without_one() {
        Verdict verdict = Verdict.of(null, TIMED_OUT, Optional.empty(), OptionalInt.of(1));
        assertEquals(Status.INTERRUPTED, verdict.status());
        assertNull(verdict.signal());
        assertEquals("TimeoutError", verdict.error().name());
    }

    @Test
    void a_lost_worker_says_how_its_supervisor_ended() {
        Verdict killed = Verdict.of(null, Optional.empty(), Optional.empty(), OptionalInt.of(128 + 9));
        assertNull(killed.exitCode());
        assertEquals("the worker's supervisor was killed by SIGKILL before reporting a result", killed.error().value());

        Verdict exited = Verdict.of(null, Optional.empty(), Optional.empty(), OptionalInt.of(1));
        assertEquals(Status.KILLED, exited.status());
        assertNull(exited.signal());
        assertEquals("the worker's supervisor exited with status 1 before reporting a result", exited.error().value());

        // 128 is an exit status, not a death by signal 0.
        assertNull(Verdict.of(null, Optional.empty(), Optional.empty(), OptionalInt.of(128)).signal());

        Verdict silent = Verdict.of(null, Optional.empty(), Optional.empty(), OptionalInt.empty());
        assertEquals(Status.KILLED, silent.status());
        assertEquals("WorkerLost", silent.error().name());
        assertEquals("the worker's supervisor stopped answering before reporting a result", silent.error().value());
    }

    private static Verdict of(Frame.Exit exit, Optional<String> stopReason, Optional<Signal> lastSignal) {
        return Verdict.of(exit, stopReason, lastSignal, OptionalInt.empty());
    }

    private static Frame.Exit exited(int exitCode, Frame.Report report, boolean signalled) {
        return new Frame.Exit(7, exitCode, null, report, false, signalled);
    }

    private static Frame.Exit killed(Signal signal, boolean signalled) {
        return new Frame.Exit(7, null, signal.number(), null, false, signalled);
    }
}
