package dev.interpreterd.context;

import static dev.interpreterd.Eventually.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.BoxProcesses;
import dev.interpreterd.DaemonProcess;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.MovableClock;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contexts: interpreters that keep their globals, imports and processes between executions, each in
 * a box of its own with the isolation, limits and cleanup of a stateless execution.
 */
class ContextTest {

    private static final String CONTEXTS = "/process/interpreter/context";
    private static final String EXECUTE = "/process/interpreter/execute";
    /** The shared daemon's --max-output. */
    private static final int OUTPUT_CAP_BYTES = 64 * 1024;
    /** Code that only SIGKILL stops: it ignores the escalation's SIGINT and SIGTERM. */
    private static final String STUBBORN = """
            import signal, time
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print('stubborn', flush=True)
            time.sleep(30)
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--max-output", "64KiB");

    @TempDir
    Path tmp;

    /** No test may leave a context, or an execution waiting in one, to the next. */
    @AfterEach
    void delete_every_context() {
        for (String id : daemon.request().get(CONTEXTS).then().statusCode(200).extract().jsonPath().<String>getList("contexts.id")) {
            daemon.request().delete(CONTEXTS + "/" + id);
        }
        eventually("the daemon runs no execution", () -> health(daemon.request()).getInt("running") == 0);
    }

    @Test
    void state_imports_and_the_last_expression_live_on_between_executions() {
        String id = create(daemon.request(), Map.of());
        JsonPath first = run(id, "x = 41\nimport json as j");
        assertEquals("ok", first.getString("status"));
        assertEquals(id, first.getString("contextId"));
        assertFalse(first.getBoolean("contextRestarted"));

        JsonPath second = run(id, "print(x + 1)\nj.dumps({'x': x})");
        assertEquals("ok", second.getString("status"));
        assertEquals("42\n", second.getString("stdout"));
        assertEquals("'{\"x\": 41}'", second.getString("results[0].data.'text/plain'"));
        daemon.request().get(CONTEXTS + "/" + id).then().statusCode(200)
                .body("id", equalTo(id))
                .body("language", equalTo("python"))
                .body("active", equalTo(true))
                .body("executions", equalTo(2));
    }

    @Test
    void two_contexts_and_stateless_executions_see_nothing_of_each_other() {
        String a = create(daemon.request(), Map.of());
        String b = create(daemon.request(), Map.of());
        run(a, "secret = 'a'");
        assertEquals("False\n", run(b, "print('secret' in globals())").getString("stdout"));
        run(b, "secret = 'b'");
        assertEquals("a\n", run(a, "print(secret)").getString("stdout"));
        assertEquals("b\n", run(b, "print(secret)").getString("stdout"));
        daemon.execute("print('secret' in globals())")
                .body("stdout", equalTo("False\n"))
                .body("contextId", nullValue());
    }

    @Test
    void a_timeout_that_sigint_ends_keeps_the_state() {
        String id = create(daemon.request(), Map.of());
        run(id, "x = 41");
        JsonPath stopped = run(id, "import time\ntime.sleep(30)", Map.of("timeout", 0.5));
        assertEquals("interrupted", stopped.getString("status"));
        assertEquals("SIGINT", stopped.getString("signal"));
        assertEquals("TimeoutError", stopped.getString("error.name"));
        assertFalse(stopped.getBoolean("contextRestarted"));

        JsonPath next = run(id, "print(x)");
        assertEquals("41\n", next.getString("stdout"));
        assertFalse(next.getBoolean("contextRestarted"));
    }

    @Test
    void code_that_ignores_sigint_and_sigterm_costs_the_context_its_interpreter() {
        String id = create(daemon.request(), Map.of());
        run(id, "x = 41");
        JsonPath stopped = run(id, STUBBORN, Map.of("timeout", 0.5));
        assertEquals("interrupted", stopped.getString("status"));
        assertEquals("SIGKILL", stopped.getString("signal"));
        assertEquals("stubborn\n", stopped.getString("stdout"));
        assertTrue(stopped.getBoolean("contextRestarted"));

        JsonPath next = run(id, "print('x' in globals())\nprint('works')");
        assertEquals("ok", next.getString("status"));
        assertEquals("False\nworks\n", next.getString("stdout"));
        assertFalse(next.getBoolean("contextRestarted"));
        assertEquals(id, next.getString("contextId"));
    }

    @Test
    void os_exit_gives_the_context_a_fresh_interpreter() {
        String id = create(daemon.request(), Map.of());
        run(id, "x = 41");
        JsonPath exited = run(id, "import os\nos._exit(7)");
        assertEquals("exit", exited.getString("status"));
        assertEquals(7, exited.getInt("exitCode"));
        assertTrue(exited.getBoolean("contextRestarted"));

        JsonPath next = run(id, "print('x' in globals())");
        assertEquals("ok", next.getString("status"));
        assertEquals("False\n", next.getString("stdout"));
        assertFalse(next.getBoolean("contextRestarted"));
    }

    @Test
    void sys_exit_answers_exit_and_keeps_the_state() {
        String id = create(daemon.request(), Map.of());
        run(id, "x = 41");
        JsonPath exited = run(id, "import sys\nsys.exit(3)");
        assertEquals("exit", exited.getString("status"));
        assertEquals(3, exited.getInt("exitCode"));
        assertFalse(exited.getBoolean("contextRestarted"));

        assertEquals("41\n", run(id, "print(x)").getString("stdout"));
    }

    @Test
    void envs_of_an_execution_hold_for_it_alone_while_the_codes_own_changes_stay() {
        String id = create(daemon.request(), Map.of());
        JsonPath first = run(id, "import os\nprint(os.environ.get('ONCE'))\nos.environ['SET_BY_CODE'] = 'stays'",
                Map.of("envs", Map.of("ONCE", "given")));
        assertEquals("given\n", first.getString("stdout"));
        JsonPath next = run(id, "import os\nprint(os.environ.get('ONCE'), os.environ.get('SET_BY_CODE'))");
        assertEquals("None stays\n", next.getString("stdout"));
    }

    @Test
    void envs_given_at_creation_hold_for_every_execution() {
        String id = create(daemon.request(), Map.of("envs", Map.of("MADE_WITH", "creation")));
        assertEquals("creation\n", run(id, "import os\nprint(os.environ['MADE_WITH'])").getString("stdout"));
        JsonPath overridden = run(id, "import os\nprint(os.environ['MADE_WITH'])",
                Map.of("envs", Map.of("MADE_WITH", "execution")));
        assertEquals("execution\n", overridden.getString("stdout"));
        assertEquals("creation\n", run(id, "import os\nprint(os.environ['MADE_WITH'])").getString("stdout"));
    }

    /** True when one execution runs in the context and {@code waiting} wait for their turn, which holds no slot. */
    private static boolean runsAndWaits(String id, int waiting) {
        return health(daemon.request()).getInt("running") == 1
                && daemon.request().get(CONTEXTS + "/" + id).jsonPath().getInt("queued") == waiting;
    }

    @Test
    void executions_sent_to_one_context_at_once_run_in_arrival_order() throws Exception {
        int count = 6;
        Path release = TestDaemon.openToTheCode(tmp).resolve("release");
        String id = create(daemon.request(), Map.of());
        run(id, "order = []");
        ExecutorService senders = Executors.newFixedThreadPool(count);
        try {
            List<CompletableFuture<JsonPath>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                // Each is sent once the one before runs or waits, so the order of arrival is known.
                int waiting = i - 1;
                if (i > 0) {
                    eventually("one execution runs and " + waiting + " wait", () -> runsAndWaits(id, waiting));
                }
                // The first holds the context until all have arrived.
                String code = i == 0
                        ? "import os, time\nwhile not os.path.exists('" + release + "'):\n    time.sleep(0.01)\norder.append(0)"
                        : "order.append(" + i + ")";
                answers.add(CompletableFuture.supplyAsync(() -> run(id, code, Map.of("timeout", 30)), senders));
            }
            eventually("one execution runs and " + (count - 1) + " wait", () -> runsAndWaits(id, count - 1));
            Files.createFile(release);
            for (CompletableFuture<JsonPath> answer : answers) {
                assertEquals("ok", answer.get(60, TimeUnit.SECONDS).getString("status"));
            }
        } finally {
            senders.shutdownNow();
        }
        assertEquals("[0, 1, 2, 3, 4, 5]\n", run(id, "print(order)").getString("stdout"));
    }

    @Test
    void a_process_the_code_starts_lives_until_the_context_is_deleted() {
        String marker = LeftoverProcesses.sleepMarker();
        String id = create(daemon.request(), Map.of());
        run(id, "import subprocess\np = subprocess.Popen(['sleep', '" + marker + "'])");
        eventually("the sleep runs", () -> LeftoverProcesses.withMarker(marker).size() == 1);
        assertEquals("None\n", run(id, "print(p.poll())").getString("stdout"));
        assertEquals(1, LeftoverProcesses.withMarker(marker).size(), "the sleep did not outlive its execution");

        daemon.request().delete(CONTEXTS + "/" + id).then().statusCode(204);
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void a_deleted_or_unknown_context_is_not_found() {
        String id = create(daemon.request(), Map.of());
        daemon.request().get(CONTEXTS).then().statusCode(200).body("contexts.id", hasItem(id));
        daemon.request().delete(CONTEXTS + "/" + id).then().statusCode(204);

        for (String gone : List.of(id, "no-such-context")) {
            daemon.request().get(CONTEXTS + "/" + gone).then().statusCode(404).body("error", equalTo("context_not_found"));
            daemon.request().contentType(ContentType.JSON).body(Map.of("code", "print(1)", "contextId", gone)).post(EXECUTE)
                    .then().statusCode(404).body("error", equalTo("context_not_found"));
            daemon.request().delete(CONTEXTS + "/" + gone).then().statusCode(404).body("error", equalTo("context_not_found"));
            daemon.request().post(CONTEXTS + "/" + gone + "/restart").then().statusCode(404)
                    .body("error", equalTo("context_not_found"));
        }
        daemon.request().get(CONTEXTS).then().statusCode(200).body("contexts.id", not(hasItem(id)));
    }

    @Test
    void each_restart_empties_the_state_and_keeps_the_id() {
        String id = create(daemon.request(), Map.of());
        // Again and again: every restart needs a new box, and each must come up.
        for (int i = 0; i < 20; i++) {
            run(id, "x = " + i);
            daemon.request().post(CONTEXTS + "/" + id + "/restart").then().statusCode(200)
                    .body("id", equalTo(id))
                    .body("active", equalTo(true));
            JsonPath next = run(id, "print('x' in globals())");
            assertEquals("ok", next.getString("status"));
            assertEquals("False\n", next.getString("stdout"), "state left after restart " + i);
            assertEquals(id, next.getString("contextId"));
        }
    }

    @Test
    void a_context_deleted_while_it_restarts_leaves_no_box_behind() throws Exception {
        try (TestDaemon own = TestDaemon.start()) {
            String runner = own.runnerDirectory();
            int poolSize = TestDaemon.inBoxes() ? health(own.request()).getInt("slots") : 0;
            eventually("the pool's boxes are ready", () -> BoxProcesses.readyInits(runner).size() == poolSize);
            Set<Long> pool = BoxProcesses.inits(runner);
            ExecutorService clients = Executors.newFixedThreadPool(2);
            try {
                for (int delayMillis : new int[] {0, 5, 20, 50, 100}) {
                    String id = create(own.request(), Map.of());
                    Future<Integer> restart = clients.submit(() ->
                            own.request().post(CONTEXTS + "/" + id + "/restart").statusCode());
                    Thread.sleep(delayMillis);
                    own.request().delete(CONTEXTS + "/" + id).then().statusCode(204);
                    assertTrue(List.of(200, 404).contains(restart.get(60, TimeUnit.SECONDS)));
                    assertEquals(pool, BoxProcesses.inits(runner),
                            "with the DELETE and the restart answered, only the pool's boxes are left");
                    own.request().get(CONTEXTS + "/" + id).then().statusCode(404);
                }
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void a_context_starts_in_its_cwd_and_keeps_it() throws Exception {
        TestDaemon.openToTheCode(tmp);
        Path dir = TestDaemon.openToTheCode(Files.createDirectory(tmp.resolve("work")));
        String id = create(daemon.request(), Map.of("cwd", dir.toString()));
        daemon.request().get(CONTEXTS + "/" + id).then().body("cwd", equalTo(dir.toString()));

        JsonPath first = run(id, "import os\nprint(os.getcwd())\nopen('made-here', 'w').close()");
        assertEquals(dir.toRealPath() + "\n", first.getString("stdout"));
        assertTrue(Files.exists(dir.resolve("made-here")));
        assertEquals(dir.toRealPath() + "\n", run(id, "print(os.getcwd())").getString("stdout"));
    }

    @Test
    void cwd_limits_and_network_belong_to_the_context_and_not_to_an_execution() {
        String id = create(daemon.request(), Map.of());
        Map<String, Object> fields = Map.of("cwd", "/tmp", "limits", Map.of("memory", 100_000_000), "network", false);
        fields.forEach((field, value) -> daemon.request().contentType(ContentType.JSON)
                .body(Map.of("code", "print(1)", "contextId", id, field, value)).post(EXECUTE)
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("message", containsString("'" + field + "'")));
    }

    @Test
    void past_max_contexts_creation_answers_503_until_one_is_deleted() {
        try (TestDaemon small = TestDaemon.start("--max-contexts", "2")) {
            String first = create(small.request(), Map.of());
            create(small.request(), Map.of());
            small.request().post(CONTEXTS).then().statusCode(503).body("error", equalTo("too_many_contexts"));
            JsonPath health = health(small.request());
            assertEquals(2, health.getInt("contexts.live"));
            assertEquals(2, health.getInt("contexts.max"));

            small.request().delete(CONTEXTS + "/" + first).then().statusCode(204);
            create(small.request(), Map.of());
            assertEquals(2, health(small.request()).getInt("contexts.live"));
        }
    }

    @Test
    void contexts_asked_for_at_once_count_against_max_contexts_while_they_are_made() throws Exception {
        try (TestDaemon small = TestDaemon.start("--max-contexts", "2")) {
            ExecutorService clients = Executors.newFixedThreadPool(5);
            try {
                List<CompletableFuture<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    answers.add(CompletableFuture.supplyAsync(() -> small.request().post(CONTEXTS).statusCode(),
                            clients));
                }
                List<Integer> statuses = new ArrayList<>();
                for (CompletableFuture<Integer> answer : answers) {
                    statuses.add(answer.get(60, TimeUnit.SECONDS));
                }
                assertEquals(2, statuses.stream().filter(status -> status == 200).count(), statuses::toString);
                assertEquals(3, statuses.stream().filter(status -> status == 503).count(), statuses::toString);
                assertEquals(2, health(small.request()).getInt("contexts.live"));
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void an_idle_context_ends_once_its_idle_timeout_has_passed_with_its_processes() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        MovableClock clock = new MovableClock();
        try (TestDaemon idle = TestDaemon.startWithClock(clock, "--context-idle-timeout", "2")) {
            String id = create(idle.request(), Map.of());
            idle.execute("import subprocess\nsubprocess.Popen(['sleep', '" + marker + "'])", Map.of("contextId", id))
                    .body("status", equalTo("ok"));

            clock.advance(Duration.ofSeconds(2));
            clock.awaitInstantReads(2); // the daemon has looked for idle contexts since
            idle.request().get(CONTEXTS + "/" + id).then().statusCode(200);
            assertEquals(1, health(idle.request()).getInt("contexts.live"), "exactly the idle timeout is not past it");

            clock.advance(Duration.ofMillis(1));
            eventually("the idle context is gone", () -> idle.request().get(CONTEXTS + "/" + id).statusCode() == 404);
            idle.request().get(CONTEXTS + "/" + id).then()
                    .body("message", containsString("ended after 2 s without an execution"));
            assertEquals(0, health(idle.request()).getInt("contexts.live"));
            eventually("the idle context's process is gone", () -> LeftoverProcesses.withMarker(marker).isEmpty());
        }
    }

    @Test
    void a_context_whose_execution_runs_past_the_idle_timeout_is_not_ended_under_it() throws Exception {
        MovableClock clock = new MovableClock();
        try (TestDaemon idle = TestDaemon.startWithClock(clock, "--context-idle-timeout", "2")) {
            Path release = TestDaemon.openToTheCode(tmp).resolve("release");
            String id = create(idle.request(), Map.of());
            String code = "x = 41\nimport os, time\nwhile not os.path.exists('" + release + "'):\n    time.sleep(0.01)\n"
                    + "print('done')";
            CompletableFuture<io.restassured.response.Response> running = CompletableFuture.supplyAsync(() ->
                    idle.request().body(Map.of("code", code, "contextId", id)).post(EXECUTE));
            eventually("the execution runs", () -> health(idle.request()).getInt("contexts.busy") == 1);

            clock.advance(Duration.ofHours(3));
            clock.awaitInstantReads(2); // the daemon has looked for idle contexts while the code ran
            Files.createFile(release);
            running.get(30, TimeUnit.SECONDS).then().statusCode(200)
                    .body("status", equalTo("ok"))
                    .body("stdout", equalTo("done\n"));
            idle.execute("print(x)", Map.of("contextId", id)).body("stdout", equalTo("41\n"));
        }
    }

    @Test
    void a_daemon_stopped_by_sigterm_ends_its_contexts_processes() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        try (DaemonProcess process = DaemonProcess.start(tmp)) {
            startSleepInContext(process, marker);
            process.terminate();
            assertEquals(0, process.awaitExit(10), "the daemon did not exit cleanly after SIGTERM");
            LeftoverProcesses.assertNoneLeft(marker);
        }
    }

    @Test
    void a_daemon_killed_by_sigkill_takes_its_contexts_processes_with_it() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        try (DaemonProcess process = DaemonProcess.start(tmp)) {
            startSleepInContext(process, marker);
            process.kill();
            assertEquals(DaemonProcess.KILLED_EXIT_VALUE, process.awaitExit(10), "the daemon did not die by SIGKILL");
            eventually("the context's process died with the daemon", () -> LeftoverProcesses.withMarker(marker).isEmpty());
        }
    }

    @Test
    void two_hundred_megabytes_held_in_a_context_survive_to_the_next_execution() {
        String id = create(daemon.request(), Map.of());
        assertEquals("ok", run(id, "held = bytearray(200 * 2**20)\nheld[-1] = 7").getString("status"));
        JsonPath next = run(id, "print(len(held) == 200 * 2**20, held[-1])");
        assertEquals("True 7\n", next.getString("stdout"));
        assertFalse(next.getBoolean("contextRestarted"));
    }

    @Test
    void streaming_works_in_a_context() throws Exception {
        String id = create(daemon.request(), Map.of());
        run(id, "x = 41");
        String body = JSON.writeValueAsString(Map.of("contextId", id,
                "code", "import sys\nprint(x + 1)\nprint('err', file=sys.stderr)\nx"));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + daemon.port() + EXECUTE))
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("application/x-ndjson", response.headers().firstValue("Content-Type").orElse(""));
        List<JsonNode> frames = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            frames.add(JSON.readTree(line));
        }
        assertEquals("start", type(frames.get(0)));
        JsonNode end = frames.get(frames.size() - 1);
        assertEquals("end", type(end));
        assertEquals("ok", end.path("status").asText());
        assertEquals(id, end.path("contextId").asText());
        assertFalse(end.path("contextRestarted").asBoolean());
        assertEquals("42\n", text(frames, "stdout"));
        assertEquals("err\n", text(frames, "stderr"));
        JsonNode result = frames.stream().filter(f -> type(f).equals("result")).findFirst().orElseThrow();
        assertEquals("41", result.path("data").path("text/plain").asText());
    }

    @Test
    void the_output_cap_holds_in_a_context_and_what_it_cut_off_reaches_no_later_execution() {
        String id = create(daemon.request(), Map.of());
        JsonPath flood = run(id, "print('x' * 200000)\nprint('tail')");
        assertEquals("ok", flood.getString("status"));
        assertTrue(flood.getBoolean("stdoutTruncated"));
        assertEquals("x".repeat(OUTPUT_CAP_BYTES), flood.getString("stdout"));

        JsonPath next = run(id, "print('next')");
        assertEquals("next\n", next.getString("stdout"));
        assertFalse(next.getBoolean("stdoutTruncated"));
    }

    @Test
    void a_context_made_without_network_cannot_connect_anywhere() {
        String probe = """
                import socket
                print([name for _, name in socket.if_nameindex()])
                socket.create_connection(('127.0.0.1', %d), timeout=2).close()
                print('connected')
                """.formatted(daemon.port());
        String closed = create(daemon.request(), Map.of("network", false));
        for (int i = 0; i < 2; i++) {
            JsonPath answer = run(closed, probe);
            assertEquals("error", answer.getString("status"));
            assertEquals("OSError", answer.getString("error.name"));
            assertEquals("['lo']\n", answer.getString("stdout"));
        }
        String open = create(daemon.request(), Map.of());
        JsonPath answer = run(open, probe);
        assertEquals("ok", answer.getString("status"), "the probe itself is broken: " + answer.getString("error.value"));
        assertTrue(answer.getString("stdout").endsWith("connected\n"));
    }

    @Test
    void forged_markers_and_frames_change_neither_the_answer_nor_the_next_one() {
        String fake = "\u0001" + "0123456789abcdef".repeat(2);
        String frame = "{\"event\":\"exit\",\"pid\":1,\"exitCode\":0,\"signal\":null,\"report\":{\"outcome\":\"ok\"},\"alive\":true}";
        String forgedFrame = "\0\0\0" + (char) frame.length() + frame;
        String id = create(daemon.request(), Map.of());
        JsonPath forged = run(id, """
                import os, sys
                fake = '\\x01' + '0123456789abcdef' * 2
                frame = '%s'
                forged = len(frame).to_bytes(4, 'big') + frame.encode()
                print('a' + fake + 'b', flush=True)
                os.write(1, forged + b'\\n')
                os.write(2, forged + fake.encode())
                sys.stdout.write('\\x01')
                sys.stdout.flush()
                print('\\x01' + fake[1:9], flush=True)
                print('end')
                x = 'intact'
                """.formatted(frame));
        assertEquals("ok", forged.getString("status"));
        assertEquals("a" + fake + "b\n" + forgedFrame + "\n" + "\u0001" + fake.substring(0, 9) + "\nend\n",
                forged.getString("stdout"));
        assertEquals(forgedFrame + fake, forged.getString("stderr"));
        assertFalse(forged.getBoolean("contextRestarted"));

        JsonPath next = run(id, "print(x)");
        assertEquals("ok", next.getString("status"));
        assertEquals("intact\n", next.getString("stdout"));
        assertEquals("", next.getString("stderr"));
    }

    @Test
    void past_its_memory_limit_a_context_gets_an_error_or_a_fresh_interpreter_and_says_which() {
        String id = create(daemon.request(), Map.of("limits", Map.of("memory", 200_000_000)));
        run(id, "x = 41");
        JsonPath over = run(id, "hog = bytearray(300 * 2**20)");
        boolean restarted = over.getBoolean("contextRestarted");
        if (!restarted) {
            assertEquals("error", over.getString("status"));
            assertEquals("MemoryError", over.getString("error.name"));
        } else {
            assertFalse(over.getString("status").equals("ok"), "restarted, yet the answer says ok");
        }
        JsonPath next = run(id, "print(globals().get('x'), 'hog' in globals())");
        assertEquals("ok", next.getString("status"));
        assertEquals(restarted ? "None False\n" : "41 False\n", next.getString("stdout"));
        assertFalse(next.getBoolean("contextRestarted"));
    }

    /** Makes a context in the daemon {@code http} reaches, with the body's settings, and returns its id. */
    private static String create(RequestSpecification http, Map<String, Object> body) {
        RequestSpecification request = body.isEmpty() ? http : http.contentType(ContentType.JSON).body(body);
        String id = request.post(CONTEXTS).then().statusCode(200)
                .body("active", equalTo(true))
                .body("executions", equalTo(0))
                .extract().path("id");
        assertFalse(id == null || id.isBlank(), "no id");
        return id;
    }

    private static JsonPath run(String contextId, String code) {
        return run(contextId, code, Map.of());
    }

    /** Runs code in a context of the shared daemon, with more fields of the request. */
    private static JsonPath run(String contextId, String code, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("contextId", contextId);
        return daemon.execute(code, body).extract().jsonPath();
    }

    private static JsonPath health(RequestSpecification http) {
        return http.get("/health").then().statusCode(200).extract().jsonPath();
    }

    /** Makes a context in a daemon of its own process and starts a sleep there that outlives its execution. */
    private static void startSleepInContext(DaemonProcess process, String marker) throws Exception {
        String id = create(given().baseUri("http://127.0.0.1").port(process.port()), Map.of());
        JsonPath started = process.executeAsync("import subprocess\nsubprocess.Popen(['sleep', '" + marker + "'])",
                Map.of("contextId", id)).get(60, TimeUnit.SECONDS);
        assertEquals("ok", started.getString("status"));
        assertEquals(1, LeftoverProcesses.withMarker(marker).size(), "the context's sleep does not run");
    }

    private static String type(JsonNode frame) {
        return frame.path("type").asText();
    }

    private static String text(List<JsonNode> frames, String type) {
        return frames.stream().filter(f -> type(f).equals(type)).map(f -> f.path("text").asText())
                .collect(Collectors.joining());
    }
}
