package dev.interpreterd;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as a process: SIGTERM stops it cleanly, SIGKILL takes its workers with it, and what a
 * killed daemon left is swept by the next daemon of its deployment only (or, for an earlier version's
 * runner directory, by the next daemon of its user once its pid is free).
 */
class LifecycleTest {

    @TempDir
    Path tmp;

    @Test
    void sigterm_interrupts_running_executions_which_still_get_their_answer() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(tmp, "--grace", "0.3")) {
            CompletableFuture<JsonPath> a = daemon.executeAsync("import time\nprint('a', flush=True)\ntime.sleep(60)", Map.of());
            CompletableFuture<JsonPath> b = daemon.executeAsync("import time\ntime.sleep(60)", Map.of());
            daemon.awaitRunning(2);
            assertEquals(1, runnerDirectories().size());

            long start = System.nanoTime();
            daemon.terminate();
            for (JsonPath answer : List.of(a.get(10, TimeUnit.SECONDS), b.get(10, TimeUnit.SECONDS))) {
                assertEquals("interrupted", answer.getString("status"));
                assertEquals("TimeoutError", answer.getString("error.name"));
                assertEquals("the daemon is shutting down", answer.getString("error.value"));
                // The daemon's SIGINT ended the code: no exit code of its own, as the field table says.
                assertEquals("SIGINT", answer.getString("signal"));
                assertNull(answer.get("exitCode"));
            }
            assertEquals("a\n", a.get().getString("stdout"));
            assertEquals(0, daemon.awaitExit(10), "the daemon did not exit cleanly after SIGTERM");
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(seconds < 5, "shutdown took " + seconds + " s");
            assertEquals(List.of(), runnerDirectories(), "the runner directory was not removed");
        }
    }

    @Test
    void sigkill_of_the_daemon_kills_its_workers_and_the_next_start_sweeps_its_files() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        long killed;
        try (DaemonProcess daemon = DaemonProcess.start(tmp)) {
            // A plain subprocess and a double-forked one in a session of its own.
            daemon.executeAsync("import os, subprocess, time\n"
                    + "subprocess.Popen(['sleep', '" + marker + "'])\n"
                    + "subprocess.Popen(['sh', '-c', 'sleep " + marker + " &'], start_new_session=True).wait()\n"
                    + "time.sleep(600)", Map.of());
            daemon.awaitRunning(1);
            eventually("the code's two subprocesses run", () -> LeftoverProcesses.withMarker(marker).size() == 2);
            List<ProcessHandle> workers = ProcessHandle.allProcesses()
                    .filter(p -> p.parent().map(parent -> parent.pid() == daemon.pid()).orElse(false))
                    .toList();
            assertFalse(workers.isEmpty(), "no worker found");
            List<ProcessHandle> codeProcesses = workers.stream().flatMap(ProcessHandle::children).toList();
            assertFalse(codeProcesses.isEmpty(), "no process running the code found");

            daemon.kill();
            assertEquals(DaemonProcess.KILLED_EXIT_VALUE, daemon.awaitExit(10), "the daemon did not die by SIGKILL");
            List<ProcessHandle> subprocesses = LeftoverProcesses.withMarker(marker);
            for (ProcessHandle p : Stream.of(workers, codeProcesses, subprocesses).flatMap(List::stream).toList()) {
                p.onExit().get(5, TimeUnit.SECONDS);
            }
            LeftoverProcesses.assertNoneLeft(marker);
            assertEquals(1, runnerDirectories().size(), "a SIGKILLed daemon cannot clean up after itself");
            killed = daemon.pid();
        }
        if (CgroupDirectories.writable()) {
            assertFalse(CgroupDirectories.of(killed).isEmpty(), "the killed daemon had no cgroups");
        }
        try (DaemonProcess next = DaemonProcess.start(tmp)) {
            List<Path> dirs = runnerDirectories();
            assertEquals(1, dirs.size());
            assertTrue(DaemonProcess.madeBy(next.pid(), dirs.get(0)), "stale directory not swept: " + dirs);
            assertEquals(List.of(), CgroupDirectories.of(killed), "stale cgroups not swept");
        }
    }

    @Test
    void a_daemon_with_another_work_dir_leaves_what_a_killed_daemon_left_to_one_with_its_work_dir() throws Exception {
        long killed;
        try (DaemonProcess daemon = DaemonProcess.start(tmp)) {
            killed = daemon.pid();
            daemon.kill();
            assertEquals(DaemonProcess.KILLED_EXIT_VALUE, daemon.awaitExit(10), "the daemon did not die by SIGKILL");
        }
        List<Path> left = leftBy(killed);
        assertEquals(1, left.stream().filter(p -> p.startsWith(tmp)).count(), "no runner directory left: " + left);
        if (CgroupDirectories.writable()) {
            assertFalse(CgroupDirectories.of(killed).isEmpty(), "the killed daemon had no cgroups");
        }
        Path elsewhere = TestDaemon.openToTheCode(Files.createDirectory(tmp.resolve("elsewhere")));
        try (DaemonProcess other = DaemonProcess.start(tmp, "--work-dir", elsewhere.toString())) {
            assertEquals(left, leftBy(killed), "a daemon with another work dir swept what the killed one left");
        }
        try (DaemonProcess same = DaemonProcess.start(tmp)) {
            assertEquals(List.of(), leftBy(killed), "a daemon with the same work dir did not sweep");
        }
    }

    @Test
    void a_runner_directory_an_earlier_version_left_is_swept_once_no_process_has_its_pid() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        assumeTrue(ProcessHandle.of(exited.pid()).isEmpty(), "the pid of the exited process was reused at once");
        Path gone = earlierVersionDirectory(exited.pid());
        Path running = earlierVersionDirectory(ProcessHandle.current().pid());
        try (DaemonProcess daemon = DaemonProcess.start(tmp)) {
            assertFalse(Files.exists(gone), gone + " was not swept");
            assertTrue(Files.exists(running.resolve("runner.py")), running + " was swept, yet its pid runs");
        }
    }

    /** A runner directory named as earlier versions named them, {@code interpreterd-<pid>-<digits>}. */
    private Path earlierVersionDirectory(long pid) throws IOException {
        Path directory = Files.createDirectory(tmp.resolve("interpreterd-" + pid + "-6204471305127365212"));
        Files.writeString(directory.resolve("runner.py"), "print('left behind')\n");
        return directory;
    }

    /** The runner directories of the daemons started here; not the work dir interpreterd-work-<user>. */
    private List<Path> runnerDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().matches("interpreterd-[0-9a-f]{12}-\\d+-\\d+-.+")).toList();
        }
    }

    /** The runner directory and the cgroups named for the daemon process {@code pid}, sorted. */
    private List<Path> leftBy(long pid) throws IOException {
        List<Path> left = new ArrayList<>(runnerDirectories().stream().filter(p -> DaemonProcess.madeBy(pid, p)).toList());
        left.addAll(CgroupDirectories.of(pid));
        return left.stream().sorted().toList();
    }
}
