package dev.interpreterd.host;

import static dev.interpreterd.Eventually.eventually;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.DaemonProcess;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.Requires;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon that is not root but holds {@code CAP_SETUID}, {@code CAP_SETGID} and {@code CAP_KILL}
 * as ambient capabilities, as the shipped unit runs it, runs the code as the {@code --user} it is
 * given, never as itself: the code cannot read the daemon user's files, reach its runner or become
 * it again, and the daemon still stops and cleans up after the code. Starting such a daemon takes
 * root (to hand out the capabilities), as the tests have in CI.
 */
class CodeUserTest {

    /** The daemon's user: no account needed, and no process of any other test runs as it. */
    private static final int DAEMON_UID = 64999;
    private static final int NOBODY = 65534;
    private static final List<String> CAPABILITIES = List.of("setuid", "setgid", "kill");
    private static final String TO_CHECK = "start a daemon as an unprivileged user holding CAP_SETUID, CAP_SETGID"
            + " and CAP_KILL";

    @TempDir
    static Path tmp;
    private static DaemonProcess daemon;
    private static Path privateFile;

    @BeforeAll
    static void start() throws IOException {
        Requires.root(TO_CHECK);
        // Without --work-dir: the daemon makes the code's work dir itself, as that user.
        daemon = DaemonProcess.startAs(tmp, DAEMON_UID, DAEMON_UID, CAPABILITIES, "--user", "nobody");
        privateFile = Files.writeString(tmp.resolve("daemons-own"), "secret of the daemon's user");
        Files.setAttribute(privateFile, "unix:uid", DAEMON_UID);
        Files.setAttribute(privateFile, "unix:gid", DAEMON_UID);
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void the_code_runs_as_the_user_named_with_no_capability_never_as_the_daemon() throws IOException {
        assertTrue(Files.readAllLines(Path.of("/proc", String.valueOf(daemon.pid()), "status")).stream()
                .anyMatch(line -> line.matches("Uid:\\s+" + DAEMON_UID + "\\s.*")), "the daemon runs as " + DAEMON_UID);
        JsonPath health = given().baseUri("http://127.0.0.1").port(daemon.port()).get("/health").then().extract().jsonPath();
        assertEquals("nobody", health.getString("user.name"));
        assertEquals(NOBODY, health.getInt("user.uid"));
        JsonPath answer = execute("""
                import os
                caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', 'CapAmb'))]
                print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), caps)
                """, Map.of());
        assertEquals("%d %d %d [] ['0000000000000000', '0000000000000000', '0000000000000000']%n"
                .formatted(NOBODY, NOBODY, NOBODY), answer.getString("stdout"), answer::prettify);
    }

    @Test
    void the_code_cannot_read_a_private_file_of_the_daemons_user() {
        JsonPath answer = execute("open(%s).read()".formatted(pythonString(privateFile.toString())), Map.of());
        assertEquals("error", answer.getString("status"), answer::prettify);
        assertEquals("PermissionError", answer.getString("error.name"));
    }

    @Test
    void the_code_can_become_neither_the_daemons_user_nor_root() {
        for (int uid : new int[] {DAEMON_UID, 0}) {
            JsonPath answer = execute("import os\nos.setuid(%d)\nprint(os.getuid())".formatted(uid), Map.of());
            assertEquals("error", answer.getString("status"), answer::prettify);
            // Outside a box the kernel says EPERM; in a box's user namespace root is not even mapped (EINVAL).
            assertTrue(Set.of("PermissionError", "OSError").contains(answer.getString("error.name")), answer::prettify);
        }
    }

    @Test
    void the_code_cannot_list_the_runner_directory_nor_connect_to_the_control_socket() throws IOException {
        Path runner;
        try (var entries = Files.list(tmp)) {
            runner = entries.filter(p -> DaemonProcess.madeBy(daemon.pid(), p)).findFirst().orElseThrow();
        }
        JsonPath answer = execute("""
                import os, socket
                def attempt(action):
                    try:
                        action()
                        return 'allowed'
                    except OSError:
                        # Refused by its permissions, or the path is covered in the box: either way, no way in.
                        return 'denied'
                print(attempt(lambda: os.listdir(%1$s)),
                      attempt(lambda: socket.socket(socket.AF_UNIX).connect(%1$s + '/control.sock')))
                """.formatted(pythonString(runner.toString())), Map.of());
        assertEquals("denied denied\n", answer.getString("stdout"), answer::prettify);
    }

    @Test
    void the_work_dir_and_what_the_code_writes_are_the_code_users() throws IOException {
        JsonPath answer = execute("import os\nopen('owned.txt', 'w').write('x')\nprint(os.getcwd())", Map.of());
        Path cwd = Path.of(answer.getString("stdout").strip());
        assertEquals(NOBODY, Files.getAttribute(cwd, "unix:uid"), cwd::toString);
        assertEquals(NOBODY, Files.getAttribute(cwd.resolve("owned.txt"), "unix:uid"));
    }

    @Test
    void a_timeout_still_ends_code_that_ignores_sigint_and_sigterm_and_all_it_started() {
        String marker = LeftoverProcesses.sleepMarker();
        JsonPath answer = execute("""
                import signal, subprocess, time
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                subprocess.Popen(['sleep', '%s'], start_new_session=True)
                time.sleep(60)
                """.formatted(marker), Map.of("timeout", 1));
        assertEquals("interrupted", answer.getString("status"), answer::prettify);
        assertEquals("SIGKILL", answer.getString("signal"));
        eventually("the process the code started in a session of its own is gone", () -> LeftoverProcesses.withMarker(marker).isEmpty());
    }

    @Test
    void a_context_runs_as_the_code_user_and_keeps_its_state() {
        String id = given().baseUri("http://127.0.0.1").port(daemon.port()).contentType(ContentType.JSON).body("{}")
                .post("/process/interpreter/context").then().statusCode(200).extract().path("id");
        execute("import os\nfirst = os.getuid()", Map.of("contextId", id));
        JsonPath answer = execute("print(first, os.getuid())", Map.of("contextId", id));
        assertEquals(NOBODY + " " + NOBODY + "\n", answer.getString("stdout"), answer::prettify);
        given().baseUri("http://127.0.0.1").port(daemon.port()).delete("/process/interpreter/context/" + id)
                .then().statusCode(204);
    }

    @Test
    void network_false_runs_as_the_code_user_with_a_loopback_only() {
        JsonPath answer = execute("""
                import os
                devices = [l.split(':')[0].strip() for l in open('/proc/self/net/dev').readlines()[2:]]
                print(os.getuid(), devices)
                """, Map.of("network", false));
        assertEquals(NOBODY + " ['lo']\n", answer.getString("stdout"), answer::prettify);
    }

    @Test
    void a_daemon_without_cap_kill_refuses_to_run_the_code_as_another_user() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("no-kill"));
        IOException refused = assertThrows(IOException.class, () -> DaemonProcess.startAs(dir,
                DAEMON_UID, DAEMON_UID, List.of("setuid", "setgid"), "--user", "nobody").close());
        assertTrue(refused.getMessage().contains("--user nobody needs a daemon running as root or holding CAP_SETUID,"
                + " CAP_SETGID and CAP_KILL"), refused.getMessage());
        assertTrue(refused.getMessage().contains("without CAP_KILL"), refused.getMessage());
    }

    private static JsonPath execute(String code, Map<String, Object> extra) {
        try {
            return daemon.executeAsync(code, extra).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer to " + code, e);
        }
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
