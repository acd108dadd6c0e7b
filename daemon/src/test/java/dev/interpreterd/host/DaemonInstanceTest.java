package dev.interpreterd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A daemon's entries carry its deployment's key, and only those of a daemon that is gone are its to sweep. */
class DaemonInstanceTest {

    @TempDir
    Path tmp;

    @Test
    void the_key_changes_with_the_user_the_work_dir_and_the_pid_namespace() {
        String key = DaemonInstance.key(0, Path.of("/srv/a"), "pid:[1]");
        assertTrue(key.matches("[0-9a-f]{12}"), key);
        assertEquals(key, DaemonInstance.key(0, Path.of("/srv/a"), "pid:[1]"));
        Set<String> others = Set.of(DaemonInstance.key(1, Path.of("/srv/a"), "pid:[1]"),
                DaemonInstance.key(0, Path.of("/srv/b"), "pid:[1]"), DaemonInstance.key(0, Path.of("/srv/a"), "pid:[2]"));
        assertEquals(3, others.size());
        assertFalse(others.contains(key));
    }

    @Test
    void a_work_dir_reached_through_a_link_gives_the_same_key() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertEquals(DaemonInstance.current(real).key(), DaemonInstance.current(link).key());
        assertNotEquals(DaemonInstance.current(real).key(), DaemonInstance.current(tmp).key());
    }

    @Test
    void this_process_is_named_by_its_pid_and_start_time() throws IOException {
        DaemonInstance self = DaemonInstance.current(tmp);
        assertEquals(ProcessHandle.current().pid(), self.pid());
        assertEquals("interpreterd-" + self.key() + "-" + self.pid() + "-" + self.startTicks(), self.name());
    }

    @Test
    void an_entry_of_this_deployment_whose_daemon_is_gone_is_left_behind() throws Exception {
        DaemonInstance self = DaemonInstance.current(tmp);
        DaemonInstance gone = new DaemonInstance(self.key(), deadPid(), self.startTicks());
        assertTrue(self.leftBehind(gone.name() + "-123"));
    }

    @Test
    void an_entry_whose_pid_a_later_process_took_is_left_behind() throws IOException {
        DaemonInstance self = DaemonInstance.current(tmp);
        DaemonInstance earlier = new DaemonInstance(self.key(), self.pid(), self.startTicks() - 1);
        assertTrue(self.leftBehind(earlier.name() + "-123"));
    }

    @Test
    void an_entry_of_a_daemon_that_runs_is_not_left_behind() throws IOException {
        DaemonInstance self = DaemonInstance.current(tmp);
        assertFalse(self.leftBehind(self.name() + "-123"));
    }

    @Test
    void an_entry_of_another_deployment_is_never_left_behind() throws Exception {
        DaemonInstance self = DaemonInstance.current(tmp);
        DaemonInstance elsewhere = DaemonInstance.current(Files.createDirectory(tmp.resolve("elsewhere")));
        DaemonInstance gone = new DaemonInstance(elsewhere.key(), deadPid(), self.startTicks());
        assertFalse(self.leftBehind(gone.name() + "-123"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interpreterd-%d-123", "interpreterd-daemon", "interpreterd-work-nobody",
            "interpreterd-%s-%d-1", "interpreterd-%s-%d-1-", "interpreterd-%s-x-1-123", "python-%s-%d-1-123"})
    void other_names_are_never_left_behind(String pattern) throws Exception {
        DaemonInstance self = DaemonInstance.current(tmp);
        String name = pattern.contains("%s") ? String.format(pattern, self.key(), deadPid()) : String.format(pattern, deadPid());
        assertFalse(self.leftBehind(name), name);
    }

    @Test
    void a_runner_directory_of_an_earlier_version_whose_pid_is_free_is_left_behind() throws Exception {
        assertTrue(DaemonInstance.leftBehindByEarlierVersion("interpreterd-" + deadPid() + "-6204471305127365212"));
    }

    @Test
    void a_runner_directory_of_an_earlier_version_whose_pid_is_taken_is_not_left_behind() {
        // The name holds no start time: whoever has the pid now may be the daemon that made it.
        long taken = ProcessHandle.current().pid();
        assertFalse(DaemonInstance.leftBehindByEarlierVersion("interpreterd-" + taken + "-6204471305127365212"));
        assertFalse(DaemonInstance.leftBehindByEarlierVersion("interpreterd-1-123"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interpreterd-%d", "interpreterd-%d-", "interpreterd-%d-abc", "interpreterd-%d-12-34",
            "interpreterd-%d-123-", "interpreterd-0-123", "interpreterd-99999999999-123", "interpreterd-work-nobody",
            "interpreterd-%s-%d-1-123", "python-%d-123"})
    void other_names_are_not_an_earlier_versions_runner_directory(String pattern) throws Exception {
        long dead = deadPid();
        String key = DaemonInstance.current(tmp).key();
        String name = pattern.contains("%s") ? String.format(pattern, key, dead)
                : pattern.contains("%d") ? String.format(pattern, dead) : pattern;
        assertFalse(DaemonInstance.leftBehindByEarlierVersion(name), name);
    }

    /** The pid of a process that has exited and been reaped. */
    static long deadPid() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        assumeTrue(ProcessHandle.of(process.pid()).isEmpty(), "the pid of the exited process was reused at once");
        return process.pid();
    }
}
