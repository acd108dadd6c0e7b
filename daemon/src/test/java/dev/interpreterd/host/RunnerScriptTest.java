package dev.interpreterd.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interpreterd.os.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runner is installed privately, removed on close, and what daemons of the same deployment that
 * are gone left is swept, and nothing else.
 */
class RunnerScriptTest {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final int NOBODY = 65534;

    @TempDir
    Path tempRoot;
    private DaemonInstance self;

    @BeforeEach
    void thisDaemon() throws IOException {
        self = DaemonInstance.current(tempRoot);
    }

    @Test
    void install_writes_the_runner_into_a_private_directory_named_for_this_daemon() throws IOException {
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            Path directory = runner.directory();
            assertEquals(tempRoot, directory.getParent());
            assertTrue(directory.getFileName().toString().startsWith(self.name() + "-"), directory.toString());
            assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(directory));
        }
    }

    @Test
    void runner_file_is_private_to_the_owner() throws IOException {
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertEquals(runner.directory().resolve("runner.py"), runner.script());
            assertTrue(Files.isRegularFile(runner.script()));
            assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(runner.script()));
        }
    }

    @Test
    void runner_file_holds_the_embedded_resource() throws IOException {
        byte[] resource = resource("/runner/runner.py");
        assertTrue(resource.length > 0, "the runner resource is empty");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertArrayEquals(resource, Files.readAllBytes(runner.script()));
        }
    }

    @Test
    void install_copies_every_module_of_the_runner_package_the_jar_carries_into_a_private_directory()
            throws Exception {
        Path resources = Path.of(RunnerScriptTest.class.getResource("/runner/interpreterd_runner").toURI());
        Set<String> modules = names(resources);
        assertTrue(modules.contains("start.py"), "the runner's resources lack its package: " + modules);
        assertFalse(modules.contains("__pycache__"), "the jar carries a compiled cache: " + modules);
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            Path installed = runner.directory().resolve("interpreterd_runner");
            assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(installed));
            assertEquals(modules, names(installed), "the installed package is the jar's");
            for (String module : modules) {
                Path file = installed.resolve(module);
                assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(file), module);
                assertArrayEquals(resource("/runner/interpreterd_runner/" + module), Files.readAllBytes(file), module);
            }
        }
    }

    @Test
    void close_removes_the_directory() throws IOException {
        RunnerScript runner = RunnerScript.install(tempRoot, self);
        assertTrue(Files.isDirectory(runner.directory()));
        runner.close();
        assertFalse(Files.exists(runner.directory()));
    }

    @Test
    void install_sweeps_the_directory_of_a_daemon_of_this_deployment_that_is_gone() throws Exception {
        Path stale = directoryWithAFile(new DaemonInstance(self.key(), DaemonInstanceTest.deadPid(), 1).name() + "-123");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertFalse(Files.exists(stale), stale + " was not swept");
        }
    }

    @Test
    void install_keeps_the_directory_of_a_daemon_that_runs() throws IOException {
        Path live = directoryWithAFile(self.name() + "-123");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(live.resolve("runner.py")), live + " was swept");
        }
    }

    @Test
    void install_keeps_the_directory_of_a_daemon_of_another_deployment_that_is_gone() throws Exception {
        String otherKey = DaemonInstance.current(Files.createDirectory(tempRoot.resolve("elsewhere"))).key();
        Path other = directoryWithAFile(new DaemonInstance(otherKey, DaemonInstanceTest.deadPid(), 1).name() + "-123");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(other.resolve("runner.py")), other + " was swept");
        }
    }

    @Test
    void install_keeps_a_directory_of_that_name_which_another_user_made() throws Exception {
        assumeTrue(Posix.effectiveUserId() == 0, "only root can give a directory to another user");
        Path foreign = directoryWithAFile(new DaemonInstance(self.key(), DaemonInstanceTest.deadPid(), 1).name() + "-123");
        Files.setAttribute(foreign, "unix:uid", NOBODY);
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(foreign.resolve("runner.py")), foreign + " was swept");
        }
    }

    @Test
    void install_sweeps_the_directory_an_earlier_version_left_once_its_pid_is_free() throws Exception {
        Path stale = directoryWithAFile("interpreterd-" + DaemonInstanceTest.deadPid() + "-6204471305127365212");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertFalse(Files.exists(stale), stale + " was not swept");
        }
    }

    @Test
    void install_keeps_the_directory_of_an_earlier_version_whose_pid_is_taken() throws IOException {
        Path live = directoryWithAFile("interpreterd-" + self.pid() + "-6204471305127365212");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(live.resolve("runner.py")), live + " was swept");
        }
    }

    @Test
    void install_keeps_an_earlier_versions_directory_which_another_user_made() throws Exception {
        assumeTrue(Posix.effectiveUserId() == 0, "only root can give a directory to another user");
        Path foreign = directoryWithAFile("interpreterd-" + DaemonInstanceTest.deadPid() + "-6204471305127365212");
        Files.setAttribute(foreign, "unix:uid", NOBODY);
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(foreign.resolve("runner.py")), foreign + " was swept");
        }
    }

    @Test
    void install_keeps_a_file_with_an_earlier_versions_name() throws Exception {
        Path file = Files.writeString(tempRoot.resolve("interpreterd-" + DaemonInstanceTest.deadPid() + "-123"), "x");
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(file), file + " was swept");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unrelated", "interpreterd-cache", "interpreterd-%d", "interpreterd-%d-abc", "python-%d-abc"})
    void install_keeps_directories_it_did_not_create(String pattern) throws Exception {
        Path other = directoryWithAFile(String.format(pattern, DaemonInstanceTest.deadPid()));
        try (RunnerScript runner = RunnerScript.install(tempRoot, self)) {
            assertTrue(Files.exists(other.resolve("runner.py")), other + " was swept");
        }
    }

    /** A directory under the temp root holding a runner file, as a daemon would leave it. */
    private Path directoryWithAFile(String name) throws IOException {
        Path directory = Files.createDirectory(tempRoot.resolve(name));
        Files.writeString(directory.resolve("runner.py"), "print('left behind')\n");
        return directory;
    }

    private static Set<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = RunnerScriptTest.class.getResourceAsStream(name)) {
            assertNotNull(in, "no resource " + name);
            return in.readAllBytes();
        }
    }
}
