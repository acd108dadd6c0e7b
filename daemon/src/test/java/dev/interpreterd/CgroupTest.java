package dev.interpreterd;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cgroup per execution: what the subreaper alone cannot do. The cgroup cases need the tests to run
 * as root on a machine where root may write /sys/fs/cgroup, as CI does; the subreaper case runs anywhere.
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
        // Code running as the daemon's own user (here --user root; a daemon that is not root alike)
        // can kill its supervisor, the one way out of the subreaper's reach.
        try (TestDaemon sameUser = TestDaemon.start("--user", "root")) {
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
        Path shared = TestDaemon.openToTheCode(tmp);
        // The code reports its cgroups, then waits for a file from the test, so that they are seen while it runs.
        CompletableFuture<JsonPath> answer = CompletableFuture.supplyAsync(() -> daemon.execute("""
                import os, time
                with open('cgroup.part', 'w') as f:
                    f.write(open('/proc/self/cgroup').read())
                os.rename('cgroup.part', 'cgroup')
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
        assertEquals(List.of(), dirs.stream().filter(Files::exists).toList(), "cgroups left behind");
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

    /** The cgroup directories of the daemons in a JVM, in the v1 pids and the v2 hierarchies here. */
    static List<Path> cgroupDirectories(long pid) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> entries = Files.list(root)) {
                    entries.filter(p -> DaemonProcess.madeBy(pid, p)).forEach(found::add);
                }
            }
        }
        return found;
    }

    /** True where the daemon can make cgroups: root, and a cgroup hierarchy that is writable. */
    static boolean cgroupsWritable() {
        return "root".equals(System.getProperty("user.name"))
                && Stream.of("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")
                        .map(Path::of).anyMatch(p -> Files.isWritable(p.resolve("cgroup.procs")));
    }
}
