package dev.interpreterd.exec;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;

import dev.interpreterd.TestDaemon;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The timeout's SIGINT, SIGTERM, SIGKILL escalation, each stage reached by code that resists the previous one. */
class EscalationTest {

    private static final Map<String, Object> HALF_A_SECOND = Map.of("timeout", 0.5);
    private static final String IGNORE_SIGINT_AND_SIGTERM = """
            import signal
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            """;
    private static final String CATCH_SIGINT_AND_END = """
            import time
            try:
                time.sleep(30)
            except KeyboardInterrupt:
                print('caught', flush=True)
            """;
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--grace", "0.3");

    @Test
    void code_that_handles_sigint_returns_at_the_deadline_with_its_traceback_and_output() {
        daemon.execute("""
                import time
                print('working', flush=True)
                try:
                    time.sleep(30)
                except KeyboardInterrupt:
                    print('cleaned up', flush=True)
                    raise
                """, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGINT"))
                .body("exitCode", nullValue())
                .body("stdout", equalTo("working\ncleaned up\n"))
                .body("error.name", equalTo("TimeoutError"))
                .body("error.traceback[-1]", equalTo("KeyboardInterrupt"))
                // SIGTERM would have come 0.3 s after the deadline; the answer came before it.
                .body("durationMs", lessThan(800f));
    }

    @Test
    void code_that_ignores_sigint_is_ended_by_sigterm() {
        daemon.execute("""
                import signal, time
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                print('ignoring SIGINT', flush=True)
                time.sleep(30)
                """, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGTERM"))
                .body("exitCode", nullValue())
                .body("stdout", equalTo("ignoring SIGINT\n"))
                .body("error.name", equalTo("TimeoutError"));
    }

    @Test
    void code_that_swallows_keyboard_interrupt_in_a_loop_is_ended_by_sigterm() {
        daemon.execute("""
                import time
                while True:
                    try:
                        time.sleep(30)
                    except KeyboardInterrupt:
                        print('not stopping', flush=True)
                """, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGTERM"))
                .body("stdout", equalTo("not stopping\n"));
    }

    @Test
    void code_that_ignores_sigint_and_sigterm_is_ended_by_sigkill() {
        daemon.execute("""
                import signal, time
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                print('ignoring both', flush=True)
                while True:
                    time.sleep(1)
                """, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGKILL"))
                .body("exitCode", nullValue())
                .body("stdout", equalTo("ignoring both\n"))
                .body("error.value", equalTo("execution timed out after 0.5 seconds"));
    }

    @Test
    void a_busy_loop_in_pure_python_is_interrupted_too() {
        daemon.execute("while True:\n    pass", HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGINT"));
    }

    @ParameterizedTest(name = "timeout {0}")
    @ValueSource(doubles = {1, 0.5})
    void busy_loop_that_ignores_sigint_and_sigterm_is_ended_by_sigkill(double timeout) {
        daemon.execute(IGNORE_SIGINT_AND_SIGTERM + "print('burning', flush=True)\nwhile True:\n    pass\n",
                        Map.of("timeout", timeout))
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGKILL"))
                .body("exitCode", nullValue())
                .body("stdout", equalTo("burning\n"));
    }

    @Test
    void threads_burning_two_cores_that_ignore_sigint_and_sigterm_are_ended_by_sigkill() {
        // The threads hash outside the GIL, so until SIGKILL (1.1 s) they burn up to 2.2 s of CPU: more
        // than the timeout plus a second, less than the limit past the whole escalation (3 s).
        daemon.execute(IGNORE_SIGINT_AND_SIGTERM + """
                import hashlib, threading
                data = bytes(1 << 20)
                def burn():
                    while True:
                        hashlib.sha256(data).digest()
                threads = [threading.Thread(target=burn) for _ in range(2)]
                for thread in threads:
                    thread.start()
                print('burning', flush=True)
                for thread in threads:
                    thread.join()
                """, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGKILL"))
                .body("exitCode", nullValue())
                .body("stdout", equalTo("burning\n"));
    }

    @Test
    void busy_loop_that_ignores_only_sigint_is_ended_by_sigterm() {
        daemon.execute("""
                import signal
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                while True:
                    pass
                """, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGTERM"))
                .body("exitCode", nullValue());
    }

    @Test
    void cpu_limit_lies_past_the_whole_escalation_of_a_fractional_timeout() {
        // 0.5 s, then 0.3 s to SIGTERM and 0.3 s to SIGKILL: 1.1 s, rounded up, and a second more.
        daemon.execute("import resource as r\nprint(*r.getrlimit(r.RLIMIT_CPU))", HALF_A_SECOND)
                .body("stdout", equalTo("3 4\n"));
    }

    @Test
    void busy_loop_reaches_sigkill_before_the_cpu_limit_when_the_grace_is_long() {
        // SIGKILL comes at 2.5 s; a CPU limit of the timeout plus a second would end the loop with
        // SIGXCPU at about 2 s, between SIGTERM and SIGKILL.
        try (TestDaemon longGrace = TestDaemon.start("--grace", "1")) {
            longGrace.execute(IGNORE_SIGINT_AND_SIGTERM + "while True:\n    pass\n", HALF_A_SECOND)
                    .body("status", equalTo("interrupted"))
                    .body("signal", equalTo("SIGKILL"))
                    .body("exitCode", nullValue());
        }
    }

    @Test
    void signal_the_daemon_did_not_send_is_named_when_it_ends_the_code_during_the_escalation() {
        daemon.execute("""
                import os, signal, time
                signal.signal(signal.SIGINT, lambda *_: os.kill(os.getpid(), signal.SIGXCPU))
                time.sleep(30)
                """, HALF_A_SECOND)
                .body("status", equalTo("killed"))
                .body("signal", equalTo("SIGXCPU"))
                .body("exitCode", nullValue())
                .body("error.value", containsString("execution timed out after 0.5 seconds"));
    }

    @Test
    void code_that_catches_sigint_and_ends_on_its_own_is_still_interrupted() {
        // The runner says SIGINT reached the code: the answer does not take the code's "ok" for its own.
        daemon.execute(CATCH_SIGINT_AND_END, HALF_A_SECOND)
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGINT"))
                .body("exitCode", nullValue())
                .body("stdout", equalTo("caught\n"))
                .body("error.name", equalTo("TimeoutError"));
    }

    @Test
    void code_in_a_context_that_catches_sigint_and_ends_on_its_own_is_interrupted_and_keeps_the_state() {
        String id = newContext();
        try {
            daemon.execute("x = 41\n" + CATCH_SIGINT_AND_END, Map.of("contextId", id, "timeout", 0.5))
                    .body("status", equalTo("interrupted"))
                    .body("signal", equalTo("SIGINT"))
                    .body("stdout", equalTo("caught\n"))
                    .body("contextRestarted", equalTo(false));
            daemon.execute("print(x)", Map.of("contextId", id)).body("stdout", equalTo("41\n"));
        } finally {
            daemon.request().delete("/process/interpreter/context/" + id).then().statusCode(204);
        }
    }

    @Test
    void quick_code_under_a_short_timeout_is_ok() {
        daemon.execute("print('done')", Map.of("timeout", 0.25))
                .body("status", equalTo("ok"))
                .body("signal", nullValue())
                .body("stdout", equalTo("done\n"));
    }

    @Test
    void quick_code_in_a_context_under_a_short_timeout_is_ok() {
        String id = newContext();
        try {
            daemon.execute("print('done')", Map.of("contextId", id, "timeout", 0.25))
                    .body("status", equalTo("ok"))
                    .body("signal", nullValue())
                    .body("stdout", equalTo("done\n"));
        } finally {
            daemon.request().delete("/process/interpreter/context/" + id).then().statusCode(204);
        }
    }

    @Test
    void code_finishing_before_its_timeout_is_not_interrupted() {
        daemon.execute("import time\ntime.sleep(0.1)\nprint('done')", Map.of("timeout", 5))
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("done\n"));
    }

    private static String newContext() {
        return daemon.request().post("/process/interpreter/context").then().statusCode(200).extract().path("id");
    }
}
