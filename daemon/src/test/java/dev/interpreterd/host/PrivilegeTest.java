package dev.interpreterd.host;

import static dev.interpreterd.Eventually.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.BoxProcesses;
import dev.interpreterd.DaemonProcess;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.host.Privilege;
import dev.interpreterd.os.Posix;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon running as root runs the code as an unprivileged user, which can neither get root back
 * nor reach the daemon, and is held to the per-user process limit; a daemon that is not root runs
 * the code as itself. The switch needs the tests to run as root, as they do in CI; the rest holds
 * for whichever user runs them.
 */
class PrivilegeTest {

    private static final int MAX_PROCESSES = 20;
    private static final int NOBODY = 65534;
    private static final String THE_SWITCH = "check the switch to an unprivileged user";

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--max-processes", String.valueOf(MAX_PROCESSES));

    @TempDir
    Path tmp;

    @Test
    void the_code_runs_as_the_default_worker_user_and_cannot_become_root_again() throws IOException {
        Requires.root(THE_SWITCH);
        WorkerIds worker = worker();
        assertTrue(worker.name().equals("interpreterd-code") || worker.name().equals("nobody"), worker::toString);
        assertTrue(worker.uid() != 0);
        daemon.execute("import os\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups())")
                .body("stdout", equalTo("%d %d %d %d []%n".formatted(worker.uid(), worker.uid(), worker.gid(), worker.gid())));
        daemon.execute("import os\nos.setuid(0)")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("PermissionError"));
    }

    @Test
    void the_code_can_neither_signal_nor_read_the_daemon_its_supervisor_or_the_runner() {
        Requires.root(THE_SWITCH);
        long daemonPid = ProcessHandle.current().pid();
        // In a box the daemon is not even there: its pid names no process of the box's own /proc.
        String toTheDaemon = TestDaemon.inBoxes() ? "absent absent" : "denied denied";
        daemon.execute("""
                import os
                def attempt(action):
                    try:
                        action()
                        return 'allowed'
                    except PermissionError:
                        return 'denied'
                    except (ProcessLookupError, FileNotFoundError):
                        return 'absent'
                print(attempt(lambda: os.kill(%d, 0)), attempt(lambda: open('/proc/%d/environ').read()),
                      attempt(lambda: os.listdir('%s')), attempt(lambda: os.kill(os.getppid(), 0)),
                      attempt(lambda: open('/proc/self/environ').read()))
                """.formatted(daemonPid, daemonPid, daemon.runnerDirectory()))
                .body("stdout", equalTo(toTheDaemon + " denied denied allowed\n"));
    }

    @Test
    void a_fork_loop_stops_at_the_process_limit() {
        Requires.root(THE_SWITCH);
        // Bounded: at most 100 children, each asleep until the runner kills it at the end.
        String stdout = daemon.execute("""
                import os, time
                forked = 0
                try:
                    for _ in range(100):
                        if os.fork() == 0:
                            time.sleep(60)
                            os._exit(0)
                        forked += 1
                    print('no limit after', forked)
                except BlockingIOError:
                    print('stopped after', forked)
                """, Map.of("timeout", 30)).body("status", equalTo("ok")).extract().path("stdout");
        Matcher stopped = Pattern.compile("stopped after (\\d+)\n").matcher(stdout);
        assertTrue(stopped.matches(), stdout);
        assertTrue(Integer.parseInt(stopped.group(1)) < MAX_PROCESSES, stdout);
    }

    @Test
    void files_the_code_writes_belong_to_the_worker_user() throws IOException {
        WorkerIds worker = worker();
        String cwd = daemon.execute("import os\nopen('owned.txt', 'w').write('x')\nprint(os.getcwd())")
                .extract().<String>path("stdout").strip();
        Path file = Path.of(cwd, "owned.txt");
        try {
            assertEquals(worker.uid(), Files.getAttribute(file, "unix:uid"));
            assertEquals(worker.uid(), Files.getAttribute(Path.of(cwd), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        } finally {
            Files.deleteIfExists(file);
        }
        Path opened = TestDaemon.openToTheCode(tmp);
        daemon.execute("open('in-cwd.txt', 'w').write('x')", Map.of("cwd", opened.toString())).body("status", equalTo("ok"));
        assertEquals(worker.uid(), Files.getAttribute(opened.resolve("in-cwd.txt"), "unix:uid"));
    }

    @Test
    void a_cwd_the_worker_user_cannot_enter_is_an_error_of_the_execution() throws IOException {
        // Closed to everyone but root: the worker user, or the tests' own when they are not root.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("---------"));
        daemon.execute("print('never')", Map.of("cwd", tmp.toString()))
                .body("status", equalTo("error"))
                .body("stdout", equalTo(""))
                .body("error.name", equalTo("PermissionError"))
                .body("error.value", containsString(tmp.toString()));
        daemon.execute("print('still serving')").body("stdout", equalTo("still serving\n"));
    }

    @Test
    void home_user_and_logname_are_the_worker_users_unless_envs_set_them() throws IOException {
        WorkerIds worker = worker();
        daemon.execute("import os\nprint(os.environ['USER'], os.environ['LOGNAME'])")
                .body("stdout", equalTo(worker.name() + " " + worker.name() + "\n"));
        // The passwd home when the user owns it (nobody's is /nonexistent); a writable one of its own in any case.
        String home = daemon.execute("import os\nh = os.environ['HOME']\n"
                        + "print(h, os.stat(h).st_uid, os.access(h, os.W_OK), os.path.expanduser('~') == h)")
                .extract().path("stdout");
        String[] fields = home.strip().split(" ");
        assertEquals(List.of(String.valueOf(worker.uid()), "True", "True"), List.of(fields).subList(1, 4), home);
        Path passwdHome = Path.of(worker.home());
        if (Files.isDirectory(passwdHome) && Files.getAttribute(passwdHome, "unix:uid").equals(worker.uid())) {
            assertEquals(worker.home(), fields[0]);
        }
        daemon.execute("import os\nprint(os.environ['HOME'])", Map.of("envs", Map.of("HOME", "/elsewhere")))
                .body("stdout", equalTo("/elsewhere\n"));
    }

    @Test
    void the_code_dies_with_its_supervisor_after_the_switch() throws Exception {
        Requires.root(THE_SWITCH);
        Path cwd = TestDaemon.openToTheCode(tmp);
        CompletableFuture<JsonPath> answer = CompletableFuture.supplyAsync(() -> daemon.execute("""
                import time
                open('started', 'w').close()
                time.sleep(30)
                """, Map.of("cwd", cwd.toString(), "timeout", 20)).extract().jsonPath());
        eventually("the code started", () -> Files.exists(cwd.resolve("started")));
        // Found by its working directory: in a box, the pids the code sees are the box's own.
        ProcessHandle code = BoxProcesses.inDirectory(cwd).orElseThrow(() -> new AssertionError("no process works in " + cwd));
        // Only root (the tests) can kill the supervisor now; the parent-death signal must survive the switch.
        code.parent().orElseThrow().destroyForcibly();
        assertEquals("killed", answer.get(10, TimeUnit.SECONDS).getString("status"));
        LeftoverProcesses.assertDiesSoon(code.pid());
    }

    @Test
    void user_root_is_honoured() {
        Requires.root(THE_SWITCH);
        try (TestDaemon asRoot = TestDaemon.start("--user", "root")) {
            asRoot.request().get("/health").then().body("user.name", equalTo("root")).body("user.uid", equalTo(0));
            asRoot.execute("import os\nprint(os.getuid(), os.geteuid())").body("stdout", equalTo("0 0\n"));
        }
    }

    @Test
    void a_daemon_that_is_not_root_runs_the_code_as_its_own_user() throws Exception {
        int uid = asRoot() ? NOBODY : Posix.effectiveUserId();
        String name = asRoot() ? "nobody" : System.getProperty("user.name");
        try (DaemonProcess unprivileged = startUnprivileged()) {
            given().baseUri("http://127.0.0.1").port(unprivileged.port()).get("/health").then()
                    .body("user.uid", equalTo(uid)).body("user.name", equalTo(name));
            JsonPath result = unprivileged.executeAsync("import os\nprint(os.getuid(), os.geteuid())", Map.of())
                    .get(30, TimeUnit.SECONDS);
            assertEquals(uid + " " + uid + "\n", result.getString("stdout"));
        }
    }

    @Test
    void a_daemon_that_is_not_root_refuses_to_run_the_code_as_another_user() {
        IOException refused = assertThrows(IOException.class, () -> startUnprivileged("--user", "root").close());
        assertTrue(refused.getMessage().contains("--user root needs a daemon running as root"), refused.getMessage());
        // A setting it cannot start with: status 2, which the unit does not restart after.
        assertTrue(refused.getMessage().contains("exited with status 2"), refused.getMessage());
    }

    /** A daemon that is not root: as root, one started as nobody; otherwise one as the tests' own user. */
    private DaemonProcess startUnprivileged(String... flags) throws IOException {
        return asRoot() ? DaemonProcess.startAs(tmp, NOBODY, NOBODY, flags) : DaemonProcess.start(tmp, flags);
    }

    private static boolean asRoot() {
        return Posix.effectiveUserId() == 0;
    }

    @Test
    void the_ids_read_from_proc_are_the_ones_the_kernel_answers() throws IOException {
        Privilege privilege = Privilege.ofThisProcess();
        assertEquals(Posix.effectiveUserId(), privilege.uid());
        assertEquals(Posix.effectiveGroupId(), privilege.gid());
        assertEquals(asRoot(), privilege.root());
    }

    @Test
    void health_names_the_worker_user() throws IOException {
        WorkerIds worker = worker();
        daemon.request().get("/health").then()
                .body("user.name", equalTo(worker.name()))
                .body("user.uid", not(equalTo(0)));
    }

    /** The worker user as /health names it, with its passwd entry. */
    record WorkerIds(String name, int uid, int gid, String home) {
    }

    private static WorkerIds worker() throws IOException {
        String name = daemon.request().get("/health").then().extract().path("user.name");
        Process getent = new ProcessBuilder("getent", "passwd", name).start();
        String[] fields = new String(getent.getInputStream().readAllBytes()).strip().split(":");
        return new WorkerIds(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), fields[5]);
    }
}
