package dev.interpreterd.exec.box;

import static dev.interpreterd.Eventually.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interpreterd.BoxProcesses;
import dev.interpreterd.DaemonProcess;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.os.Posix;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The box launcher, whatever launcher the rest of the suite runs with: each execution runs in a box
 * of PID and mount namespaces of its own, whose init the code can neither signal, trace nor read; the
 * code sees only its box, reaches nothing outside it, and leaves nothing in it for the next execution.
 */
class BoxTest {

    private static final int SLOTS = 2;
    private static final int NOBODY = 65534;
    private static final boolean ROOT = Posix.effectiveUserId() == 0;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--launcher", "box", "--max-concurrent", String.valueOf(SLOTS));

    @TempDir
    Path tmp;

    /** Code that would reach past a box must not run where the daemon fell back to no boxes. */
    @BeforeEach
    void the_daemon_runs_code_in_boxes() {
        expectBoxes(daemon.request());
        eventually(SLOTS + " boxes are ready", () -> BoxProcesses.readyInits(daemon.runnerDirectory()).size() == SLOTS);
    }

    @Test
    void kill_minus_one_does_not_reach_an_execution_running_at_the_same_time() throws Exception {
        Map<String, Object> inTmp = Map.of("cwd", TestDaemon.openToTheCode(tmp).toString(), "timeout", 30);
        CompletableFuture<JsonPath> victim = CompletableFuture.supplyAsync(() -> daemon.execute(Python.WAIT_FOR + """
                import subprocess
                child = subprocess.Popen(['sleep', '60'])
                open('victim-ready', 'w').close()
                wait_for('killer-done')
                print('victim and its child alive:', child.poll() is None)
                child.kill()
                """, inTmp).extract().jsonPath());
        daemon.execute(Python.WAIT_FOR + """
                import signal, subprocess
                child = subprocess.Popen(['sleep', '60'])
                wait_for('victim-ready')
                os.kill(-1, signal.SIGKILL)
                print('own child ended by', -child.wait())
                open('killer-done', 'w').close()
                """, inTmp)
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("own child ended by 9\n"));
        JsonPath answer = victim.get(60, TimeUnit.SECONDS);
        assertEquals("ok", answer.getString("status"), answer.prettify());
        assertEquals("victim and its child alive: True\n", answer.getString("stdout"));
    }

    @Test
    void proc_lists_only_the_codes_own_box() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        Map<String, Object> inTmp = Map.of("cwd", TestDaemon.openToTheCode(tmp).toString(), "timeout", 30);
        CompletableFuture<JsonPath> first = CompletableFuture.supplyAsync(() -> daemon.execute(Python.WAIT_FOR + Python.LOOK + """
                import subprocess
                child = subprocess.Popen(['sleep', '%s'])
                open('first-ready', 'w').close()
                wait_for('second-done')
                print(look(child=child.pid))
                child.kill()
                """.formatted(marker), inTmp).extract().jsonPath());
        JsonPath second = daemon.execute(Python.WAIT_FOR + Python.LOOK + """
                wait_for('first-ready')
                print(look())
                open('second-done', 'w').close()
                """, inTmp).body("status", equalTo("ok")).extract().jsonPath();
        JsonPath firstAnswer = first.get(60, TimeUnit.SECONDS);
        assertEquals("ok", firstAnswer.getString("status"), firstAnswer.prettify());
        JsonPath one = JsonPath.from(firstAnswer.getString("stdout"));
        JsonPath two = JsonPath.from(second.getString("stdout"));

        assertEquals(sorted(1, one.getInt("me"), one.getInt("child")), one.getList("seen", Integer.class));
        assertEquals(sorted(1, two.getInt("me")), two.getList("seen", Integer.class));
        for (JsonPath view : List.of(one, two)) {
            assertTrue(view.getMap("cmdlines").get("1").toString().contains("--zygote"),
                    "pid 1 is not the box's init: " + view.prettify());
            assertFalse(view.getList("seen", Integer.class).contains((int) ProcessHandle.current().pid()));
            // Pid 1 is the machine's init too: the daemon and its ancestors are told apart by their start times.
            List<Long> starts = view.getList("starts", Number.class).stream().map(Number::longValue).toList();
            for (ProcessHandle outside : daemonAndAncestors()) {
                assertFalse(starts.contains(BoxProcesses.startTime(outside.pid())),
                        "the code sees " + outside.pid() + " " + outside.info().commandLine().orElse("?"));
            }
        }
        assertFalse(two.getString("cmdlines").contains(marker), "the other execution's sleeper is visible");
    }

    @Test
    void a_token_on_the_daemons_command_line_or_in_its_environment_is_out_of_the_codes_sight() throws Exception {
        String inProcess = secret();
        try (TestDaemon withToken = TestDaemon.start("--launcher", "box", "--token", inProcess)) {
            expectBoxes(withToken.request());
            expectNotFound(scanFor(withToken.request().header("Authorization", "Bearer " + inProcess), List.of(inProcess)));
        }
        String onCommandLine = secret();
        String inEnvironment = secret();
        try (DaemonProcess own = DaemonProcess.start(tmp, Map.of("INTERPRETERD_TOKEN", inEnvironment),
                "--launcher", "box", "--token", onCommandLine)) {
            RequestSpecification request = given().baseUri("http://127.0.0.1").port(own.port());
            expectBoxes(request);
            // Read whole: ProcessHandle.Info cuts a command line as long as this JVM's class path.
            String commandLine = Files.readString(Path.of("/proc", String.valueOf(own.pid()), "cmdline"), StandardCharsets.UTF_8);
            assertTrue(commandLine.contains(onCommandLine), "the token is not on the daemon's command line: nothing to hide");
            expectNotFound(scanFor(request.header("Authorization", "Bearer " + onCommandLine),
                    List.of(onCommandLine, inEnvironment)));
        }
    }

    private static JsonPath scanFor(RequestSpecification request, List<String> secrets) {
        // The code gets the secrets hex-encoded, so that its own command line and environment cannot hold them.
        List<String> hex = secrets.stream().map(s -> HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII))).toList();
        String code = """
                import json, os
                secrets = [bytes.fromhex(h) for h in %s]
                found, canary, read, refused = [], [], [], []
                for pid in sorted(int(p) for p in os.listdir('/proc') if p.isdigit()):
                    for name in ('cmdline', 'environ'):
                        path = f'/proc/{pid}/{name}'
                        try:
                            with open(path, 'rb') as f:
                                data = f.read()
                        except OSError:
                            refused.append(path)
                            continue
                        read.append(path)
                        found += [path for s in secrets if s in data]
                        if b'--zygote' in data:
                            canary.append(path)
                print(json.dumps({'me': os.getpid(), 'found': found, 'canary': canary, 'read': read, 'refused': refused}))
                """.formatted(Python.list(hex));
        JsonPath answer = post(request, code, Map.of()).extract().jsonPath();
        assertEquals("ok", answer.getString("status"), answer.prettify());
        return JsonPath.from(answer.getString("stdout"));
    }

    private static void expectNotFound(JsonPath scan) {
        assertEquals(List.of(), scan.getList("found"), scan.prettify());
        // The scan did read what it could: its own files and the init's command line, not the init's environment.
        int me = scan.getInt("me");
        assertTrue(scan.getList("read").containsAll(List.of("/proc/" + me + "/cmdline", "/proc/" + me + "/environ",
                "/proc/1/cmdline")), scan.prettify());
        assertTrue(scan.getList("canary").contains("/proc/1/cmdline"), scan.prettify());
        assertTrue(scan.getList("refused").contains("/proc/1/environ"), scan.prettify());
    }

    @Test
    void the_code_can_neither_signal_trace_nor_read_its_box_init_and_holds_no_capability() throws IOException {
        Set<Long> inits = BoxProcesses.inits(daemon.runnerDirectory());
        JsonPath answer = daemon.execute("""
                import ctypes, errno, json, os, signal, time
                out = {}
                for name in ('SIGTERM', 'SIGKILL'):
                    try:
                        os.kill(1, getattr(signal, name))
                        out[name] = 'sent'
                    except OSError as e:
                        out[name] = type(e).__name__
                time.sleep(0.2)
                libc = ctypes.CDLL(None, use_errno=True)
                PTRACE_ATTACH = 16
                out['ptrace'] = [libc.ptrace(PTRACE_ATTACH, 1, None, None), errno.errorcode.get(ctypes.get_errno())]
                for path in ('/proc/1/environ', '/proc/1/mem'):
                    try:
                        open(path, 'rb').close()
                        out[path] = 'opened'
                    except OSError as e:
                        out[path] = type(e).__name__
                status = dict(line.split(':', 1) for line in open('/proc/self/status'))
                out.update({name: int(status[name], 16) for name in ('CapEff', 'CapPrm', 'CapAmb')})
                out['uid'] = [os.getuid(), os.geteuid()]
                print(json.dumps(out))
                """).extract().jsonPath();
        // The code went on after trying to kill its init: nothing stopped it.
        assertEquals("ok", answer.getString("status"), answer.prettify());
        JsonPath out = JsonPath.from(answer.getString("stdout"));
        // Refused where the init is root and the code is not; otherwise sent, and ignored by the kernel:
        // an init gets from its own namespace only the signals it handles, never SIGKILL.
        for (String signal : List.of("SIGTERM", "SIGKILL")) {
            assertEquals(ROOT ? "PermissionError" : "sent", out.getString(signal), out.prettify());
        }
        assertEquals(List.of(-1, "EPERM"), out.getList("ptrace"), out.prettify());
        assertEquals("PermissionError", out.getString("'/proc/1/environ'"), out.prettify());
        assertEquals("PermissionError", out.getString("'/proc/1/mem'"), out.prettify());
        for (String set : List.of("CapEff", "CapPrm", "CapAmb")) {
            assertEquals(0L, out.getLong(set), set + ": " + out.prettify());
        }
        int uid = ROOT ? daemon.request().get("/health").then().extract().<Integer>path("user.uid") : Posix.effectiveUserId();
        assertTrue(!ROOT || uid != 0, "the daemon runs the code as root");
        assertEquals(List.of(uid, uid), out.getList("uid", Integer.class));

        assertEquals(inits, BoxProcesses.inits(daemon.runnerDirectory()), "a box init died or was replaced");
        for (int i = 0; i < SLOTS; i++) {
            daemon.execute("print('still working')").body("status", equalTo("ok")).body("stdout", equalTo("still working\n"));
        }
        assertEquals(inits, BoxProcesses.inits(daemon.runnerDirectory()), "a box init died or was replaced");
    }

    @Test
    void a_box_is_reused_with_nothing_left_of_what_the_code_left_running() throws IOException {
        // An orphan in a session of its own, as a daemon makes itself (double-forked ones: CleanupTest).
        String setsid = LeftoverProcesses.sleepMarker();
        try (TestDaemon oneBox = TestDaemon.start("--launcher", "box", "--max-concurrent", "1")) {
            expectBoxes(oneBox.request());
            eventually("its one box is ready", () -> BoxProcesses.readyInits(oneBox.runnerDirectory()).size() == 1);
            Set<Long> box = BoxProcesses.inits(oneBox.runnerDirectory());
            oneBox.execute(Python.CMDLINES + """
                    import subprocess
                    subprocess.run(['sh', '-c', 'setsid sleep %s &'], check=True)
                    # The sleep itself, once exec'd: the shell and setsid carry the marker only for a moment.
                    def sleeping():
                        return any(c.startswith('sleep ') and '%s' in c for c in cmdlines())
                    for _ in range(1000):
                        if sleeping():
                            break
                        time.sleep(0.01)
                    print('left running:', sleeping())
                    """.formatted(setsid, setsid))
                    .body("status", equalTo("ok"))
                    .body("stdout", equalTo("left running: True\n"));
            LeftoverProcesses.assertNoneLeft(setsid);

            JsonPath next = oneBox.execute("import json, os\nprint(json.dumps({'me': os.getpid(), "
                    + "'seen': sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}))").extract().jsonPath();
            JsonPath view = JsonPath.from(next.getString("stdout"));
            assertEquals(sorted(1, view.getInt("me")), view.getList("seen", Integer.class), view.prettify());
            assertEquals(box, BoxProcesses.inits(oneBox.runnerDirectory()), "the box was not reused");
        }
    }

    @Test
    void a_box_whose_code_needed_sigkill_is_replaced() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        Set<Long> before = BoxProcesses.inits(daemon.runnerDirectory());
        CompletableFuture<JsonPath> answer = CompletableFuture.supplyAsync(() -> daemon.execute("""
                import signal, subprocess, time
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                subprocess.Popen(['sleep', '%s'])
                while True:
                    time.sleep(0.01)
                """.formatted(marker), Map.of("timeout", 0.5)).extract().jsonPath());
        eventually("the code's sleeper runs", () -> !LeftoverProcesses.withMarker(marker).isEmpty());
        ProcessHandle init = LeftoverProcesses.withMarker(marker).stream()
                .map(BoxProcesses::initOf).flatMap(Optional::stream)
                .findFirst().orElseThrow(() -> new AssertionError("the sleeper is in no box"));
        assertTrue(before.contains(init.pid()), "the code ran in no box of the pool: " + before + ", " + init.pid());

        JsonPath result = answer.get(60, TimeUnit.SECONDS);
        assertEquals("interrupted", result.getString("status"), result.prettify());
        assertEquals("SIGKILL", result.getString("signal"));
        LeftoverProcesses.assertNoneLeft(marker);
        eventually("the killed box's init is gone", () -> !init.isAlive());
        eventually("a new box takes its place", () -> {
            Set<Long> inits = BoxProcesses.readyInits(daemon.runnerDirectory());
            return inits.size() == SLOTS && !inits.contains(init.pid());
        });
        for (int i = 0; i < SLOTS; i++) {
            daemon.execute("print('still working')").body("status", equalTo("ok")).body("stdout", equalTo("still working\n"));
        }
    }

    /** Twenty boxes made one after the other: making a box must not fail now and then. */
    @Test
    void a_box_whose_init_was_killed_from_outside_is_replaced_every_time() {
        for (int round = 1; round <= 20; round++) {
            long killed = BoxProcesses.readyInits(daemon.runnerDirectory()).iterator().next();
            ProcessHandle.of(killed).ifPresent(ProcessHandle::destroyForcibly);
            // Gone for good before any execution may take the box: one that took it dying would answer killed.
            eventually("round " + round + ": " + killed + " is gone", () -> ProcessHandle.of(killed).isEmpty());
            // Each slot once: the pool finds the dead box when it is its turn.
            for (int i = 0; i < SLOTS; i++) {
                daemon.execute("print('still working')").body("status", equalTo("ok")).body("stdout", equalTo("still working\n"));
            }
            eventually("round " + round + ": a new box takes the place of " + killed, () -> {
                Set<Long> inits = BoxProcesses.readyInits(daemon.runnerDirectory());
                return inits.size() == SLOTS && !inits.contains(killed);
            });
        }
    }

    /**
     * As root, a daemon started as nobody, whose code runs as nobody; otherwise a daemon of the tests'
     * own user. Either way the code runs as the daemon's user and tries to kill every process it can name.
     */
    @Test
    void code_running_as_the_daemons_own_user_cannot_kill_the_daemon() throws Exception {
        try (DaemonProcess own = ROOT
                ? DaemonProcess.startAs(tmp, NOBODY, NOBODY, "--launcher", "box")
                : DaemonProcess.start(tmp, "--launcher", "box")) {
            RequestSpecification request = given().baseUri("http://127.0.0.1").port(own.port());
            expectBoxes(request);
            int user = ROOT ? NOBODY : Posix.effectiveUserId();
            request.get("/health").then().body("user.uid", equalTo(user));
            String daemonPid = String.valueOf(own.pid());
            JsonPath answer = post(request, """
                    import json, os, signal
                    pids = {int(os.environ['DAEMON_PID']), os.getppid()}
                    pids.update(int(p) for p in os.listdir('/proc') if p.isdigit())
                    for root, dirs, files in os.walk('/sys/fs/cgroup'):
                        if 'cgroup.procs' in files:
                            try:
                                with open(os.path.join(root, 'cgroup.procs')) as f:
                                    pids.update(int(p) for p in f.read().split())
                            except OSError:
                                pass
                    # cgroup.procs says 0 for a process outside the box, and kill(0) would be the code's own group;
                    # -1 comes last, for whatever is left.
                    pids = sorted(p for p in pids if p > 0 and p != os.getpid()) + [-1]
                    outcomes = {'uid': os.getuid()}
                    for pid in pids:
                        try:
                            os.kill(pid, signal.SIGKILL)
                            outcomes[pid] = 'sent'
                        except OSError as e:
                            outcomes[pid] = type(e).__name__
                    print(json.dumps(outcomes))
                    """, Map.of("envs", Map.of("DAEMON_PID", daemonPid), "timeout", 30)).extract().jsonPath();
            assertEquals("ok", answer.getString("status"), answer.prettify());
            JsonPath outcomes = JsonPath.from(answer.getString("stdout"));
            assertEquals(user, outcomes.getInt("uid"), "the code does not run as the daemon's user");
            assertEquals("ProcessLookupError", outcomes.getString("'" + daemonPid + "'"), outcomes.prettify());
            assertTrue(ProcessHandle.of(own.pid()).map(ProcessHandle::isAlive).orElse(false), "the daemon died");
            post(request, "print('still serving')", Map.of()).body("status", equalTo("ok"))
                    .body("stdout", equalTo("still serving\n"));
        }
    }

    /**
     * The daemon's timeout may fire after the code has ended, while its box still kills what the code
     * left or reports: the stop signal then reaches the box after its child, and must not be taken
     * for the next job. Leftovers holding gigabytes take the box a while to kill, and the code ends
     * just before its timeout, so the timeout fires in that while.
     */
    @Test
    void a_stop_signal_that_comes_after_the_code_ended_does_not_reach_the_next_execution() {
        double timeout = 4;
        try (TestDaemon oneBox = TestDaemon.start("--launcher", "box", "--max-concurrent", "1", "--max-memory", "3GiB")) {
            expectBoxes(oneBox.request());
            List<String> attempts = new ArrayList<>();
            boolean tried = false;
            for (int attempt = 0; attempt < 3 && !tried; attempt++) {
                JsonPath ended = oneBox.execute("""
                        import os, time
                        start = time.monotonic()
                        ready_r, ready_w = os.pipe()
                        for _ in range(2):
                            if os.fork() == 0:
                                hog = bytearray(1 << 30)
                                os.write(ready_w, b'.')
                                time.sleep(60)
                                os._exit(0)
                        for _ in range(2):
                            os.read(ready_r, 1)
                        time.sleep(max(0, %s - 0.05 - (time.monotonic() - start)))
                        print('ending', flush=True)
                        """.formatted(timeout), Map.of("timeout", timeout)).extract().jsonPath();
                attempts.add(ended.prettify());
                // Interrupted without a traceback after its last line: the code had ended when the timeout fired.
                tried = ended.getString("status").equals("interrupted") && ended.getString("stdout").equals("ending\n")
                        && ended.getList("error.traceback").isEmpty();
                for (int i = 0; i < 2; i++) {
                    JsonPath next = oneBox.execute("print('next')").extract().jsonPath();
                    assertEquals("ok", next.getString("status"), next.prettify());
                    assertEquals("next\n", next.getString("stdout"));
                }
            }
            // On a machine too busy to allocate the leftovers' memory in time the code was still running
            // when the timeout fired, and the case was not tried; the executions after it were checked anyway.
        }
    }

    /** POSTs {@code {"code": code, ...extra}} with {@code request} and expects 200. */
    private static ValidatableResponse post(RequestSpecification request, String code, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("code", code);
        return request.contentType(ContentType.JSON).body(body).post("/process/interpreter/execute")
                .then().statusCode(200);
    }

    private static void expectBoxes(RequestSpecification request) {
        request.get("/health").then().statusCode(200).body("isolation", equalTo("namespaces"));
    }

    private static String secret() {
        return "tok-" + UUID.randomUUID();
    }

    /** This JVM, where the daemon runs, and every process above it. */
    private static List<ProcessHandle> daemonAndAncestors() {
        List<ProcessHandle> chain = new ArrayList<>();
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
            chain.add(p.get());
        }
        return chain;
    }

    private static List<Integer> sorted(int... pids) {
        return Arrays.stream(pids).sorted().boxed().toList();
    }

    /** Python helpers the code of these tests starts with. */
    private static final class Python {

        /** {@code wait_for(name)}: waits up to 20 s for a file another execution makes. */
        static final String WAIT_FOR = """
                import os, time
                def wait_for(name):
                    for _ in range(2000):
                        if os.path.exists(name):
                            return
                        time.sleep(0.01)
                    raise TimeoutError('no ' + name)
                """;

        /** {@code cmdlines()}: the command lines of the processes the code can see. */
        static final String CMDLINES = """
                import os, time
                def cmdlines():
                    for pid in os.listdir('/proc'):
                        if pid.isdigit():
                            try:
                                with open(f'/proc/{pid}/cmdline', 'rb') as f:
                                    yield f.read().replace(b'\\0', b' ').decode(errors='replace')
                            except OSError:
                                pass
                """;

        /** {@code look(**extra)}: JSON of the code's pid, the pids it sees, their command lines and start times. */
        static final String LOOK = """
                import json
                def look(**extra):
                    seen = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
                    def read(pid, name):
                        with open(f'/proc/{pid}/{name}', 'rb') as f:
                            return f.read().replace(b'\\0', b' ').decode(errors='replace')
                    return json.dumps(dict(extra, me=os.getpid(), seen=seen,
                                           cmdlines={p: read(p, 'cmdline') for p in seen},
                                           starts=[int(read(p, 'stat').rsplit(')', 1)[1].split()[19]) for p in seen]))
                """;

        /** A Python list literal of strings that need no escaping. */
        static String list(List<String> items) {
            return items.stream().map(s -> "'" + s + "'").collect(Collectors.joining(", ", "[", "]"));
        }
    }
}
