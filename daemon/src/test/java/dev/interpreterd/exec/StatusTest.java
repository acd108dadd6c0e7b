package dev.interpreterd.exec;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.containsString;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.TestDaemon;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every status value of the contract, produced by real code in a real worker. */
class StatusTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @Test
    void code_that_runs_to_its_end_is_ok() {
        daemon.execute("print(6 * 7)")
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("42\n"))
                .body("stderr", equalTo(""))
                .body("exitCode", equalTo(0))
                .body("signal", nullValue())
                .body("error", nullValue())
                .body("stdoutTruncated", equalTo(false))
                .body("stderrTruncated", equalTo(false))
                .body("sessionId", matchesPattern("[0-9a-f-]{36}"))
                .body("durationMs", not(nullValue()));
    }

    @Test
    void uncaught_exception_is_error_with_only_the_codes_frames() {
        daemon.execute("def f():\n    return 1 / 0\nprint('before')\nf()")
                .body("status", equalTo("error"))
                .body("stdout", equalTo("before\n"))
                .body("exitCode", equalTo(1))
                .body("error.name", equalTo("ZeroDivisionError"))
                .body("error.value", equalTo("division by zero"))
                .body("error.traceback[0]", equalTo("Traceback (most recent call last):"))
                .body("error.traceback", hasItem("  File \"<code>\", line 4, in <module>"))
                .body("error.traceback", hasItem("  File \"<code>\", line 2, in f"))
                .body("error.traceback", hasItem("    return 1 / 0"))
                .body("error.traceback", everyItem(not(containsString("runner.py"))))
                .body("error.traceback[-1]", equalTo("ZeroDivisionError: division by zero"));
    }

    @Test
    void syntax_error_is_error_with_the_offending_line() {
        daemon.execute("print((")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("SyntaxError"))
                .body("error.traceback", contains(
                        equalTo("  File \"<code>\", line 1"), equalTo("    print(("),
                        containsString("^"), equalTo("SyntaxError: '(' was never closed")));
    }

    @Test
    void exception_raised_in_an_imported_module_keeps_that_modules_frames() {
        daemon.execute("import json\njson.loads('{')")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("JSONDecodeError"))
                .body("error.traceback", hasItem(containsString("json/decoder.py")))
                .body("error.traceback", everyItem(not(containsString("runner.py"))));
    }

    @Test
    void sys_exit_is_exit_with_its_code() {
        daemon.execute("import sys\nprint('bye')\nsys.exit(3)")
                .body("status", equalTo("exit"))
                .body("exitCode", equalTo(3))
                .body("stdout", equalTo("bye\n"))
                .body("error", nullValue());
    }

    @Test
    void builtin_exit_is_exit_with_code_zero() {
        daemon.execute("exit()")
                .body("status", equalTo("exit"))
                .body("exitCode", equalTo(0));
    }

    @Test
    void sys_exit_with_a_message_prints_it_and_exits_with_one() {
        daemon.execute("import sys\nsys.exit('fatal problem')")
                .body("status", equalTo("exit"))
                .body("exitCode", equalTo(1))
                .body("stderr", equalTo("fatal problem\n"));
    }

    @Test
    void os_exit_is_exit_with_its_code_even_without_cleanup() {
        daemon.execute("import os, sys\nprint('flushed', flush=True)\nos._exit(7)")
                .body("status", equalTo("exit"))
                .body("exitCode", equalTo(7))
                .body("stdout", equalTo("flushed\n"));
    }

    @Test
    void segfault_is_killed_with_sigsegv() {
        daemon.execute("import ctypes\nctypes.string_at(0)")
                .body("status", equalTo("killed"))
                .body("signal", equalTo("SIGSEGV"))
                .body("exitCode", nullValue())
                .body("error.name", equalTo("Killed"));
    }

    @Test
    void code_killing_itself_is_killed_with_its_signal() {
        daemon.execute("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
                .body("status", equalTo("killed"))
                .body("signal", equalTo("SIGKILL"));
    }

    @Test
    void timeout_is_interrupted_with_timeout_error() {
        daemon.execute("import time\nprint('started', flush=True)\ntime.sleep(30)", Map.of("timeout", 0.5))
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGINT"))
                .body("stdout", equalTo("started\n"))
                .body("error.name", equalTo("TimeoutError"))
                .body("error.value", equalTo("execution timed out after 0.5 seconds"))
                .body("error.traceback", hasItem("  File \"<code>\", line 3, in <module>"))
                .body("error.traceback[-1]", equalTo("KeyboardInterrupt"));
    }

    @Test
    void code_raising_keyboard_interrupt_itself_is_an_error() {
        daemon.execute("raise KeyboardInterrupt")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("KeyboardInterrupt"));
    }

    @Test
    void a_huge_exception_message_gives_a_bounded_answer() {
        for (int size : new int[] {1_000_000, 20_000_000, 50_000_000}) {
            String value = daemon.execute("raise ValueError('x' * %d)".formatted(size), Map.of("timeout", 30))
                    .body("status", equalTo("error"))
                    .body("error.name", equalTo("ValueError"))
                    .extract().path("error.value");
            assertTrue(value.length() < 70_000 && value.endsWith("… [truncated]"), "value of " + value.length());
        }
    }
}
