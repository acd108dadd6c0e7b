package dev.interpreterd.exec.cgroup;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.Requires;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /**
     * Moves a shell into a new cgroup of the hierarchy, lets it fork sleepers only then, kills the
     * cgroup, and checks that no sleeper is left anywhere.
     */
    private static void killsEverything(String hierarchy, boolean kill, boolean freezer) throws Exception {
        Requires.root("check killing the processes of a cgroup");
        Path root = Path.of(hierarchy);
        assumeTrue(Files.isWritable(root.resolve("cgroup.procs")), hierarchy + " is not writable here");
        String marker = LeftoverProcesses.sleepMarker();
        Path dir = Files.createDirectory(root.resolve("interpreterd-test-" + UUID.randomUUID()));
        // The shell forks nothing before it reads a line: a sleeper forked before the shell joined
        // the cgroup would stay outside it, out of reach of the kill under test.
        Process shell = new ProcessBuilder("sh", "-c", "read go && while :; do sleep " + marker + " & sleep 0.01; done")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(shell.pid()));
            try (OutputStream go = shell.getOutputStream()) {
                go.write("go\n".getBytes(StandardCharsets.US_ASCII));
            }
            eventually("the shell forked 5 sleepers", () -> LeftoverProcesses.withMarker(marker).size() >= 5);

            ExecutionCgroup.killAndRemove(List.of(dir), kill, freezer);

            assertTrue(shell.waitFor(5, TimeUnit.SECONDS), "the shell survived");
            assertFalse(Files.exists(dir), "the cgroup was not removed");
            LeftoverProcesses.assertNoneLeft(marker);
        } finally {
            shell.destroyForcibly();
            if (Files.exists(dir)) {
                eventually("the cgroup " + dir + " is empty", () -> {
                    Set<Long> members = ExecutionCgroup.members(List.of(dir));
                    members.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                    return members.isEmpty();
                });
                Files.deleteIfExists(dir);
            }
        }
    }
}
