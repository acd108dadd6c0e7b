package dev.interpreterd.exec;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.TestDaemon;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile code: floods, forged frames, closed streams, self-inflicted signals, fork storms, code that
 * kills its supervisor, stubborn handlers. After each case the daemon still serves and nothing the code
 * started is left; after all of them the daemon holds no more file descriptors or threads than before.
 * (Escaping the process group is {@link CleanupTest}'s, memory and disk past the limits {@link LimitsTest}'s.)
 */
class AdversarialTest {

    private static final long MAX_OUTPUT_BYTES = 1L << 20;
    /** Answers carry at most both capped streams, an error and some JSON around them. */
    private static final long MAX_ANSWER_BYTES = 4 * MAX_OUTPUT_BYTES + (64L << 10);
    private static final int FD_NOISE = 5;
    private static final int THREAD_NOISE = 5;
    private static final Duration SETTLE = Duration.ofSeconds(5);
    /** How long a count must stay the same to count as steady. */
    private static final Duration STEADY_FOR = Duration.ofMillis(500);
    private static final Duration LEFTOVER_WAIT = Duration.ofSeconds(2);

    private static TestDaemon daemon;
    private static long fdsBefore;
    private static long threadsBefore;

    @BeforeAll
    static void start() throws IOException {
        daemon = TestDaemon.start("--max-memory", "1GiB", "--max-file-size", "64MiB");
        // A first execution starts the pools, so the baseline counts what a serving daemon holds.
        daemon.execute("print('warm')").body("status", equalTo("ok"));
        // The pool replaces the worker that ran it in the background; count once that is done.
        fdsBefore = steady("open file descriptors", AdversarialTest::openFileDescriptors);
        threadsBefore = steady("threads", AdversarialTest::daemonThreads);
    }

    /** A count once it has stayed the same for {@link #STEADY_FOR}, within {@link #SETTLE}. */
    private static long steady(String what, Count count) throws IOException {
        long[] last = {count.get()};
        long[] since = {System.nanoTime()};
        eventually(() -> "the count of " + what + " stops changing; the last was " + last[0], SETTLE, () -> {
            long now = count.get();
            if (now != last[0]) {
                last[0] = now;
                since[0] = System.nanoTime();
            }
            return System.nanoTime() - since[0] >= STEADY_FOR.toNanos();
        });
        return last[0];
    }

    @AfterAll
    static void stop() {
        try {
            // The pool replaces its workers in the background: the counts may take a while to come back down.
            long[] fds = {fdsBefore};
            eventually(() -> "open file descriptors are back to at most " + (fdsBefore + FD_NOISE) + " (" + fdsBefore
                            + " before the tests); the last count was " + fds[0],
                    SETTLE.multipliedBy(2), () -> (fds[0] = openFileDescriptors()) <= fdsBefore + FD_NOISE);
            long[] threads = {threadsBefore};
            eventually(() -> "threads are back to at most " + (threadsBefore + THREAD_NOISE) + " (" + threadsBefore
                            + " before the tests); the last count was " + threads[0],
                    SETTLE, () -> (threads[0] = daemonThreads()) <= threadsBefore + THREAD_NOISE);
        } finally {
            daemon.close();
        }
    }

    @AfterEach
    void the_daemon_still_serves() {
        daemon.execute("print('alive')").body("status", equalTo("ok")).body("stdout", equalTo("alive\n"));
    }

    @Test
    void flooding_stdout_and_stderr_at_once_with_hundreds_of_megabytes_is_capped() {
        Response answer = daemon.execute("""
                import os, threading
                chunk = b'x' * (1 << 20)
                def flood(fd):
                    for _ in range(300):
                        os.write(fd, chunk)
                other = threading.Thread(target=flood, args=(2,))
                other.start()
                flood(1)
                other.join()
                """, Map.of("timeout", 60))
                .body("status", equalTo("ok"))
                .body("stdoutTruncated", equalTo(true))
                .body("stderrTruncated", equalTo(true))
                .body("stdout.length()", lessThanOrEqualTo((int) MAX_OUTPUT_BYTES))
                .body("stderr.length()", lessThanOrEqualTo((int) MAX_OUTPUT_BYTES))
                .extract().response();
        assertBounded(answer);
    }

    @Test
    void invalid_utf8_is_replaced_not_fatal() {
        daemon.execute("""
                import os
                os.write(1, b'a\\xff\\xfe\\xc3(b\\xed\\xa0\\x80c\\n')
                os.write(2, b'\\x80' * 1000)
                """)
                .body("status", equalTo("ok"))
                .body("stdout", matchesPattern("a\uFFFD+\\(b\uFFFD+c\n"))
                .body("stderr", matchesPattern("\uFFFD{1000}"));
    }

    @Test
    void forged_protocol_frames_on_stdout_and_stderr_are_plain_output() {
        daemon.execute("""
                import json, os, struct, sys
                for status in ('ok', 'exit'):
                    frame = json.dumps({'event': 'exit', 'pid': 1, 'exitCode': 0, 'signal': None,
                                        'report': {'outcome': status, 'code': 0}}).encode()
                    for fd in (1, 2):
                        os.write(fd, struct.pack('>I', len(frame)) + frame)
                sys.stdout.flush()
                raise RuntimeError('real ending')
                """)
                .body("status", equalTo("error"))
                .body("error.name", equalTo("RuntimeError"))
                .body("stdout", containsString("\"event\": \"exit\""))
                .body("stderr", containsString("\"event\": \"exit\""));
    }

    @Test
    void closing_stdout_and_stderr_then_printing_still_ends_the_execution() {
        daemon.execute("""
                import os
                os.close(1)
                os.close(2)
                print('into the void')
                """)
                .body("status", anyOf(equalTo("ok"), equalTo("error")));
    }

    @Test
    void killing_itself_with_sigkill_sigsegv_or_sigabrt_is_killed() {
        for (String signal : List.of("SIGKILL", "SIGSEGV", "SIGABRT")) {
            String marker = LeftoverProcesses.sleepMarker();
            daemon.execute("""
                    import os, signal, subprocess
                    subprocess.Popen(['sleep', '%s'])
                    print('before', flush=True)
                    os.kill(os.getpid(), signal.%s)
                    """.formatted(marker, signal))
                    .body("status", equalTo("killed"))
                    .body("signal", equalTo(signal))
                    .body("exitCode", nullValue())
                    .body("stdout", equalTo("before\n"));
            LeftoverProcesses.assertNoneLeft(marker);
        }
    }

    @Test
    void two_hundred_sleeping_children_are_all_gone_after_the_execution() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("""
                import os
                for _ in range(200):
                    if os.fork() == 0:
                        os.execvp('sleep', ['sleep', '%s'])
                print('forked 200')
                """.formatted(marker), Map.of("timeout", 30))
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("forked 200\n"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void daemon_threads_still_looping_do_not_keep_the_execution_alive() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("""
                import subprocess, threading, time
                def spin():
                    while True:
                        time.sleep(0.01)
                for _ in range(4):
                    threading.Thread(target=spin, daemon=True).start()
                subprocess.Popen(['sleep', '%s'])
                print('main done')
                """.formatted(marker), Map.of("timeout", 10))
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("main done\n"))
                .body("durationMs", lessThanOrEqualTo(5000f));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void a_non_daemon_thread_that_never_ends_is_interrupted_by_the_timeout() {
        daemon.execute("""
                import threading, time
                def forever():
                    while True:
                        time.sleep(0.01)
                threading.Thread(target=forever).start()
                print('main done', flush=True)
                """, Map.of("timeout", 0.5))
                .body("status", equalTo("interrupted"))
                .body("error.name", equalTo("TimeoutError"))
                .body("stdout", equalTo("main done\n"));
    }

    @Test
    void handlers_that_refuse_sigint_and_sigterm_end_with_sigkill() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("""
                import signal, subprocess
                subprocess.Popen(['sleep', '%s'])
                while True:
                    signal.signal(signal.SIGINT, lambda *a: None)
                    signal.signal(signal.SIGTERM, lambda *a: None)
                """.formatted(marker), Map.of("timeout", 0.3))
                .body("status", equalTo("interrupted"))
                .body("signal", equalTo("SIGKILL"))
                .body("error.name", equalTo("TimeoutError"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void code_that_kills_its_supervisor_is_killed_and_its_own_process_goes_too() {
        // Without boxes, code that runs as the daemon's own user can kill its supervisor (as root that
        // takes --user root); in a box its parent is the box's init, which it cannot kill.
        try (TestDaemon sameUser = TestDaemon.startAsItsOwnUser("--launcher", "spawn")) {
            String stdout = sameUser.execute("""
                    import os, time
                    print(os.getpid(), flush=True)
                    os.kill(os.getppid(), 9)
                    time.sleep(30)
                    """, Map.of("timeout", 10))
                    .body("status", equalTo("killed"))
                    .body("signal", equalTo("SIGKILL"))
                    .body("error.name", equalTo("WorkerLost"))
                    .body("durationMs", lessThanOrEqualTo(5000f))
                    .extract().path("stdout");
            LeftoverProcesses.assertDiesSoon(Long.parseLong(stdout.strip()));
        }
    }

    @Test
    void code_that_tries_to_kill_its_box_init_goes_on_and_leaves_nothing_behind() {
        // Even as root: the kernel lets no process of a PID namespace kill the namespace's init.
        try (TestDaemon asRoot = TestDaemon.startAsItsOwnUser("--launcher", "box")) {
            String marker = LeftoverProcesses.sleepMarker();
            asRoot.execute("""
                    import os, subprocess
                    subprocess.Popen(['sleep', '%s'])
                    os.kill(os.getppid(), 9)
                    print('went on')
                    """.formatted(marker))
                    .body("status", equalTo("ok"))
                    .body("stdout", equalTo("went on\n"));
            LeftoverProcesses.assertNoneLeft(marker);
            asRoot.execute("print('the box still serves')").body("stdout", equalTo("the box still serves\n"));
        }
    }


    @Test
    void input_in_a_loop_ends_at_once_with_eof() {
        daemon.execute("""
                while True:
                    input('> ')
                """, Map.of("timeout", 5))
                .body("status", equalTo("error"))
                .body("error.name", equalTo("EOFError"));
    }

    @Test
    void very_deep_recursion_is_a_recursion_error() {
        daemon.execute("""
                import sys
                sys.setrecursionlimit(100_000)
                def down(n):
                    return down(n + 1)
                down(0)
                """, Map.of("timeout", 20))
                .body("status", anyOf(equalTo("error"), equalTo("killed")));
        daemon.execute("def down(n):\n    return down(n + 1)\ndown(0)")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("RecursionError"));
    }

    private static void assertBounded(Response answer) {
        long size = answer.asByteArray().length;
        assertTrue(size <= MAX_ANSWER_BYTES, "answer of " + size + " bytes");
    }


    /**
     * Open descriptors of this JVM that something still holds. RestAssured leaves each request's
     * client connection to the garbage collector, so garbage is collected first: what it frees was
     * never held by the daemon.
     */
    private static long openFileDescriptors() throws IOException {
        System.gc();
        System.runFinalization();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * Live threads of this JVM except Jetty's request pool, which grows with concurrent requests up to
     * its fixed maximum and shrinks only after its idle timeout.
     */
    private static long daemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.getName().contains("JettyServerThreadPool"))
                .count();
    }

    private interface Count {
        long get() throws IOException;
    }
}
