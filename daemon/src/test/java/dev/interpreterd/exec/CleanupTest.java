package dev.interpreterd.exec;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.TestDaemon;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** When an execution ends, for any reason, every process it started is gone by the time it answers. */
class CleanupTest {

    private static final Duration SUPERVISOR_EXIT = Duration.ofSeconds(2);

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @Test
    void a_background_shell_job_is_killed_when_the_code_ends() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("import os\nos.system('sleep " + marker + " &')\nprint('spawned')")
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("spawned\n"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void a_double_forked_setsid_daemon_is_killed_when_the_code_ends() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("""
                import os
                # The write end closes on exec: the read ends once the grandchild has become the sleep.
                r, w = os.pipe()
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.execvp('sleep', ['sleep', '%s'])
                    os._exit(0)
                os.close(w)
                os.wait()
                os.read(r, 1)
                print('escaped?')
                """.formatted(marker))
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("escaped?\n"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void a_child_in_a_session_of_its_own_is_killed_when_the_code_ends() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("import subprocess\nsubprocess.Popen(['sleep', '%s'], start_new_session=True)".formatted(marker))
                .body("status", equalTo("ok"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void a_child_in_another_process_group_is_killed_when_the_code_ends() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("import subprocess\nsubprocess.Popen(['sleep', '%s'], process_group=0)".formatted(marker))
                .body("status", equalTo("ok"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void children_of_code_that_times_out_are_killed() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("""
                import subprocess, time
                subprocess.Popen(['sleep', '%s'], start_new_session=True)
                time.sleep(30)
                """.formatted(marker), Map.of("timeout", 0.5))
                .body("status", equalTo("interrupted"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void children_of_code_that_crashes_are_killed() {
        String marker = LeftoverProcesses.sleepMarker();
        daemon.execute("""
                import os, signal, subprocess
                subprocess.Popen(['sleep', '%s'])
                os.kill(os.getpid(), signal.SIGKILL)
                """.formatted(marker))
                .body("status", equalTo("killed"));
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void a_non_daemon_thread_is_waited_for_like_in_a_normal_python_run() {
        daemon.execute("""
                import threading, time
                def late():
                    time.sleep(0.2)
                    print('thread done', flush=True)
                threading.Thread(target=late).start()
                print('main done', flush=True)
                """).body("stdout", equalTo("main done\nthread done\n"));
    }

    @Test
    void only_idle_warm_workers_remain_after_executions() {
        daemon.execute("print(1)").body("status", equalTo("ok"));
        daemon.execute("1/0").body("status", equalTo("error"));
        daemon.execute("import time\ntime.sleep(9)", Map.of("timeout", 0.3)).body("status", equalTo("interrupted"));
        List<ProcessHandle> supervisors = supervisors(daemon);
        // The default pool keeps two workers waiting for their job, each with the one child that will
        // run it; nothing below those children, and no third worker, is left of the executions.
        assertTrue(supervisors.size() <= 2, "more workers than the warm pool holds: " + LeftoverProcesses.describe(supervisors));
        for (ProcessHandle supervisor : supervisors) {
            List<ProcessHandle> children = supervisor.children().toList();
            assertTrue(children.size() <= 1, "an idle worker with several children: " + LeftoverProcesses.describe(children));
            List<ProcessHandle> below = children.stream().flatMap(ProcessHandle::children).toList();
            assertEquals(List.of(), below, "processes left by code: " + LeftoverProcesses.describe(below));
        }
    }

    @Test
    void no_worker_is_left_without_a_warm_pool() throws Exception {
        try (TestDaemon cold = TestDaemon.start("--warm-workers", "0")) {
            cold.execute("print(1)").body("status", equalTo("ok"));
            cold.execute("import time\ntime.sleep(9)", Map.of("timeout", 0.3)).body("status", equalTo("interrupted"));
            // A supervisor exits just after it sends its exit frame, which on a busy machine can be
            // after the answer arrived: give it a moment before calling it left behind.
            List<ProcessHandle> left = supervisors(cold);
            try {
                CompletableFuture.allOf(left.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                        .get(SUPERVISOR_EXIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // the assertion below names them
            }
            List<ProcessHandle> alive = left.stream().filter(ProcessHandle::isAlive).toList();
            assertEquals(List.of(), alive, "left running: " + LeftoverProcesses.describe(alive));
        }
    }

    /**
     * What an execution could have left: with fresh interpreters, any supervisor still running (the
     * zygote, which makes the contexts' boxes, is meant to stay); with boxes (which stay, one per
     * slot, each with one child waiting for the next job), anything in a box beyond that waiting child.
     */
    private static List<ProcessHandle> supervisors(TestDaemon owner) {
        List<ProcessHandle> runners = ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().map(c -> c.contains(owner.runnerDirectory())).orElse(false))
                .toList();
        if (TestDaemon.launcherFlags().contains("spawn")) {
            // The zygote stays too, for the contexts, and runs no execution of its own.
            return runners.stream()
                    .filter(p -> !p.info().commandLine().map(c -> c.contains("--zygote")).orElse(false))
                    .toList();
        }
        List<ProcessHandle> boxInits = runners.stream().flatMap(ProcessHandle::children).toList();
        return boxInits.stream().flatMap(init -> {
            List<ProcessHandle> inBox = init.descendants().toList();
            return inBox.size() <= 1 && inBox.stream().allMatch(p -> p.parent().map(init::equals).orElse(false))
                    ? java.util.stream.Stream.<ProcessHandle>empty() : inBox.stream();
        }).toList();
    }

}
