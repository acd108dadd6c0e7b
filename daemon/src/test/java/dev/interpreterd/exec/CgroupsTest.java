package dev.interpreterd.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interpreterd.Requires;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Finding the hierarchies, and each way of killing a cgroup's processes, on real cgroups. */
class CgroupsTest {

    @Test
    void own_cgroups_are_read_for_v2_and_for_each_v1_controller() {
        Map<String, Path> own = Cgroups.ownCgroups(List.of(
                "8:pids:/", "6:freezer:/a", "4:memory:/process_api/x", "2:cpu,cpuacct:/b", "0::/system.slice/i.service"));
        assertEquals(Path.of("/system.slice/i.service"), own.get(""));
        assertEquals(Path.of("/"), own.get("pids"));
        assertEquals(Path.of("/process_api/x"), own.get("memory"));
        assertEquals(Path.of("/b"), own.get("cpuacct"));
    }

    @Test
    void mount_points_come_from_mountinfo_with_the_root_they_show() {
        Map<String, Cgroups.Mount> mounts = Cgroups.mountPoints(List.of(
                "30 25 0:26 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw",
                "35 25 0:31 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "36 25 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
                "40 25 0:40 / /proc rw - proc proc rw"));
        assertEquals(Path.of("/sys/fs/cgroup/unified"), mounts.get("").point());
        assertEquals(Path.of("/sys/fs/cgroup/pids"), mounts.get("pids").point());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/memory/x")),
                Cgroups.resolve(mounts.get("memory"), Path.of("/docker/abc/x")));
        assertEquals(Optional.empty(), Cgroups.resolve(mounts.get("memory"), Path.of("/elsewhere")));
        assertFalse(mounts.containsKey("proc"));
    }

    @Test
    void cgroup_kill_ends_every_process_at_once() throws Exception {
        killsEverything("/sys/fs/cgroup/unified", true, false);
    }

    @Test
    void the_v1_freezer_stops_the_tree_before_it_is_killed() throws Exception {
        killsEverything("/sys/fs/cgroup/freezer", false, true);
    }

    @Test
    void repeated_sigkill_ends_every_process_without_kill_or_freezer() throws Exception {
        killsEverything("/sys/fs/cgroup/pids", false, false);
    }

    /** Puts a shell that keeps forking sleepers into a new cgroup of the hierarchy, then kills it. */
    private static void killsEverything(String hierarchy, boolean kill, boolean freezer) throws Exception {
        Requires.root("check killing the processes of a cgroup");
        Path root = Path.of(hierarchy);
        assumeTrue(Files.isWritable(root.resolve("cgroup.procs")), hierarchy + " is not writable here");
        Path dir = Files.createDirectory(root.resolve("interpreterd-test-" + UUID.randomUUID()));
        Process shell = null;
        try {
            shell = new ProcessBuilder("sh", "-c", "while :; do sleep 1000 & sleep 0.01; done")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(shell.pid()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ExecutionCgroup.members(List.of(dir)).size() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(ExecutionCgroup.members(List.of(dir)).size() >= 5, "the shell did not fork");

            ExecutionCgroup.killAndRemove(List.of(dir), kill, freezer);

            assertTrue(shell.waitFor(5, TimeUnit.SECONDS), "the shell survived");
            assertFalse(Files.exists(dir), "the cgroup was not removed");
        } finally {
            if (shell != null) {
                shell.destroyForcibly();
            }
            if (Files.exists(dir)) {
                ExecutionCgroup.members(List.of(dir)).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                Thread.sleep(100);
                Files.deleteIfExists(dir);
            }
        }
    }
}
