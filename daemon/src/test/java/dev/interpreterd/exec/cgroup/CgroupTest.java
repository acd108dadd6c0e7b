package dev.interpreterd.exec.cgroup;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.BoxProcesses;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cgroup per execution, or per box, which runs one execution at a time: what the subreaper alone
 * cannot do. Needs a machine where the daemon can make cgroups (root with a writable /sys/fs/cgroup,
 * or a delegated subtree), as this one is.
 */
class CgroupTest {

    private static final String PER_EXECUTION = "check the cgroup per execution";

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--max-processes", "40", "--max-memory", "320MiB");

    @Test
    void health_and_the_start_log_name_the_cgroup_mechanism() {
        Requires.cgroups(PER_EXECUTION);
        daemon.request().get("/health").then().statusCode(200).body("cleanup", equalTo("cgroup"));
    }

    @Test
    void the_code_runs_in_a_cgroup_of_its_own() {
        Requires.cgroups(PER_EXECUTION);
        JsonPath first = daemon.execute("print(open('/proc/self/cgroup').read())").extract().jsonPath();
        JsonPath second = daemon.execute("print(open('/proc/self/cgroup').read())").extract().jsonPath();
        String line = ownLine(first.getString("stdout"));
        assertTrue(line.matches(".*/interpreterd-[0-9a-f]{12}-\\d+-\\d+-\\d+/exec-\\d+"), line);
        assertTrue(!line.equals(ownLine(second.getString("stdout"))), "two executions shared a cgroup");
    }

    @Test
    void a_process_that_escaped_by_killing_its_supervisor_is_killed_with_the_execution() {
        Requires.cgroups(PER_EXECUTION);
        // Without boxes, code running as the daemon's own user (here --user root; a daemon that is not
        // root alike) can kill its supervisor, the one way out of the subreaper's reach. (A box's init
        // cannot be killed from inside, and kills everything in the box.)
        try (TestDaemon sameUser = TestDaemon.start("--user", "root", "--launcher", "spawn")) {
            String marker = LeftoverProcesses.sleepMarker();
            sameUser.execute("""
                    import os, signal, subprocess, time
                    subprocess.Popen(['sh', '-c', 'sleep %s &'], start_new_session=True).wait()
                    os.kill(os.getppid(), signal.SIGKILL)
                    time.sleep(30)
                    """.formatted(marker))
                    .body("status", equalTo("killed"))
                    .body("error.name", equalTo("WorkerLost"))
                    .body("durationMs", lessThan(10_000f));
            LeftoverProcesses.assertNoneLeft(marker);
        }
    }

    @Test
    void a_fork_storm_stops_at_the_process_limit_of_the_execution_even_for_root() {
        Requires.cgroups(PER_EXECUTION);
        daemon.execute("""
                import os, time
                children = []
                try:
                    for _ in range(200):
                        pid = os.fork()
                        if pid == 0:
                            time.sleep(30)
                            os._exit(0)
                        children.append(pid)
                except BlockingIOError as e:
                    print('stopped', len(children) < 40, e.errno)
                """)
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("stopped True 11\n"));
    }

    @Test
    void memory_counts_all_processes_of_the_execution_together() {
        Requires.cgroups(PER_EXECUTION);
        // Each process stays under the address-space limit; together they pass the cgroup's memory limit.
        JsonPath answer = daemon.execute("""
                import subprocess, sys
                hog = "b = bytearray(150 << 20)\\nimport time\\ntime.sleep(20)"
                procs = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(3)]
                import time
                time.sleep(3)
                print(sorted(p.poll() for p in procs if p.poll() is not None))
                """).extract().jsonPath();
        assertEquals("ok", answer.getString("status"), answer.prettify());
        assertTrue(answer.getString("stdout").contains("-9"), "no process was OOM-killed: " + answer.getString("stdout"));
    }

    @Test
    void the_cgroup_of_a_finished_execution_is_removed(@TempDir Path tmp) throws Exception {
        Requires.cgroups(PER_EXECUTION);
        // Without boxes each execution has a cgroup of its own; a box keeps its cgroup for its next execution.
        try (TestDaemon spawning = TestDaemon.start("--launcher", "spawn")) {
            List<Path> dirs = cgroupsWhileTheCodeRuns(spawning, tmp);
            assertEquals(List.of(), dirs.stream().filter(Files::exists).toList(), "cgroups left behind");
        }
    }

    @Test
    void the_cgroup_of_a_box_holds_nothing_of_a_finished_execution(@TempDir Path tmp) throws Exception {
        Requires.cgroups(PER_EXECUTION);
        try (TestDaemon boxes = TestDaemon.start("--launcher", "box")) {
            assertBoxCgroupsHoldOnlyTheirInits(boxes, cgroupsWhileTheCodeRuns(boxes, tmp));
        }
    }

    private static void assertBoxCgroupsHoldOnlyTheirInits(TestDaemon boxes, List<Path> dirs) throws IOException {
        Set<Long> inits = BoxProcesses.inits(boxes.runnerDirectory());
        for (Path dir : dirs) {
            // The box's init, and the child it may have forked already for the next job.
            List<ProcessHandle> members = Files.readAllLines(dir.resolve("cgroup.procs")).stream()
                    .map(Long::parseLong).map(ProcessHandle::of).flatMap(Optional::stream).toList();
            List<ProcessHandle> boxInits = members.stream().filter(p -> inits.contains(p.pid())).toList();
            assertEquals(1, boxInits.size(), dir + " holds " + LeftoverProcesses.describe(members));
            for (ProcessHandle member : members) {
                boolean waitingChild = member.parent().equals(Optional.of(boxInits.get(0))) && member.children().findAny().isEmpty();
                assertTrue(member.equals(boxInits.get(0)) || waitingChild, dir + " holds " + LeftoverProcesses.describe(members));
            }
        }
    }

    @Test
    void the_cgroup_of_a_box_that_was_killed_is_removed(@TempDir Path tmp) throws Exception {
        Requires.cgroups(PER_EXECUTION);
        try (TestDaemon boxes = TestDaemon.start("--launcher", "box")) {
            aKilledBoxLeavesNoCgroup(boxes, tmp);
        }
    }

    private static void aKilledBoxLeavesNoCgroup(TestDaemon boxes, Path tmp) throws Exception {
        Path shared = TestDaemon.openToTheCode(tmp);
        CompletableFuture<JsonPath> answer = CompletableFuture.supplyAsync(() -> boxes.execute(REPORT_CGROUPS + """
                import signal
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                while True:
                    time.sleep(0.01)
                """, Map.of("cwd", shared.toString(), "timeout", 0.5)).extract().jsonPath());
        eventually("the code reported its cgroups", () -> Files.exists(shared.resolve("cgroup")));
        List<Path> dirs = executionCgroups(Files.readString(shared.resolve("cgroup")));
        JsonPath result = answer.get(30, TimeUnit.SECONDS);
        assertEquals("interrupted", result.getString("status"), result.prettify());
        assertEquals("SIGKILL", result.getString("signal"), result.prettify());
        assertEquals(List.of(), dirs.stream().filter(Files::exists).toList(), "cgroups left behind");
    }

    /** Code that first writes its /proc/self/cgroup to the file {@code cgroup} of its working directory. */
    private static final String REPORT_CGROUPS = """
            import os, time
            with open('cgroup.part', 'w') as f:
                f.write(open('/proc/self/cgroup').read())
            os.rename('cgroup.part', 'cgroup')
            """;

    /**
     * Runs code that reports its cgroups, then waits for a file from the test, so that they are seen
     * while it runs; returns them once the code has answered {@code ok}.
     */
    private static List<Path> cgroupsWhileTheCodeRuns(TestDaemon daemon, Path tmp) throws Exception {
        Path shared = TestDaemon.openToTheCode(tmp);
        CompletableFuture<JsonPath> answer = CompletableFuture.supplyAsync(() -> daemon.execute(REPORT_CGROUPS + """
                while not os.path.exists('go'):
                    time.sleep(0.01)
                """, Map.of("cwd", shared.toString(), "timeout", 20)).extract().jsonPath());
        List<Path> dirs;
        try {
            eventually("the code reported its cgroups", () -> Files.exists(shared.resolve("cgroup")));
            dirs = executionCgroups(Files.readString(shared.resolve("cgroup")));
        } finally {
            Files.writeString(shared.resolve("go"), "");
        }
        assertEquals("ok", answer.get(30, TimeUnit.SECONDS).getString("status"));
        return dirs;
    }

    /** The directories of the execution cgroups named in a /proc/<pid>/cgroup, each checked to exist. */
    private static List<Path> executionCgroups(String procPidCgroup) {
        List<Path> dirs = new ArrayList<>();
        for (String line : procPidCgroup.lines().filter(l -> l.contains("/exec-")).toList()) {
            String[] fields = line.split(":", 3);
            List<Path> roots = fields[1].isEmpty()
                    ? List.of(Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))
                    : List.of(Path.of("/sys/fs/cgroup", fields[1]));
            // A mount may show a hierarchy from below its top, so the path is tried without its first parts too.
            Path path = Path.of(fields[2].substring(1));
            dirs.add(roots.stream()
                    .flatMap(root -> IntStream.range(0, path.getNameCount())
                            .mapToObj(i -> root.resolve(path.subpath(i, path.getNameCount()))))
                    .filter(Files::isDirectory).findFirst()
                    .orElseThrow(() -> new AssertionError("no directory of " + line + " while the code runs")));
        }
        assertFalse(dirs.isEmpty(), "the code was in no execution cgroup: " + procPidCgroup);
        return dirs;
    }

    @Test
    void without_cgroups_the_subreaper_alone_cleans_up() {
        try (TestDaemon plain = TestDaemon.start("--cgroups", "false")) {
            plain.request().get("/health").then().statusCode(200).body("cleanup", equalTo("subreaper"));
            String marker = LeftoverProcesses.sleepMarker();
            plain.execute("import subprocess\nsubprocess.Popen(['sleep', '%s'], start_new_session=True)".formatted(marker))
                    .body("status", equalTo("ok"));
            LeftoverProcesses.assertNoneLeft(marker);
        }
    }

    private static String ownLine(String procSelfCgroup) {
        return procSelfCgroup.lines().filter(l -> l.startsWith("0::") || l.contains(":pids:")).findFirst().orElse("");
    }
}
