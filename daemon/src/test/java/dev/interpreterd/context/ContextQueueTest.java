package dev.interpreterd.context;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executions queued on a busy context: waiting for the context's turn holds no slot, so stateless
 * executions go on answering; the queue of one context is bounded; and {@code /health} shows it.
 */
class ContextQueueTest {

    private static final String CONTEXTS = "/process/interpreter/context";
    private static final String EXECUTE = "/process/interpreter/execute";

    @TempDir
    Path tmp;

    @Test
    void executions_waiting_for_a_busy_context_hold_no_slot_and_stateless_ones_answer_first() throws Exception {
        ExecutorService clients = Executors.newCachedThreadPool();
        try (TestDaemon daemon = TestDaemon.start("--max-concurrent", "2")) {
            String id = create(daemon);
            Path release = TestDaemon.openToTheCode(tmp).resolve("release");
            List<CompletableFuture<Response>> queued = new ArrayList<>();
            queued.add(submit(clients, daemon, Map.of("code", waitFor(release) + "print('first')", "contextId", id)));
            eventually("the first execution runs in the context", () -> health(daemon).getInt("running") == 1);
            for (int i = 2; i <= 6; i++) {
                queued.add(submit(clients, daemon, Map.of("code", "print(" + i + ")", "contextId", id)));
                int waiting = i - 1;
                eventually(waiting + " executions wait for the context's turn", () -> queuedIn(daemon, id) == waiting);
            }
            JsonPath busy = health(daemon);
            assertEquals(1, busy.getInt("contexts.busy"), busy::prettify);
            assertEquals(0, busy.getInt("contexts.idle"), busy::prettify);
            assertEquals(1, busy.getInt("running"), "waiting executions hold no slot: " + busy.prettify());

            // Both slots would be taken if waiting held one; the stateless execution answers while every
            // context execution is still held up behind the first.
            Response stateless = submit(clients, daemon, Map.of("code", "print('stateless')")).get(60, TimeUnit.SECONDS);
            assertEquals(200, stateless.statusCode(), stateless.asString());
            assertEquals("stateless\n", stateless.jsonPath().getString("stdout"));
            assertTrue(queued.stream().noneMatch(CompletableFuture::isDone), "a context execution ended before the release");

            Files.createFile(release);
            List<String> outputs = new ArrayList<>();
            for (CompletableFuture<Response> execution : queued) {
                Response answer = execution.get(60, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), answer.asString());
                outputs.add(answer.jsonPath().getString("stdout").strip());
            }
            assertEquals(List.of("first", "2", "3", "4", "5", "6"), outputs, "the context's executions in arrival order");
            JsonPath after = health(daemon);
            assertEquals(1, after.getInt("contexts.idle"), after::prettify);
            assertEquals(0, after.getInt("contexts.busy"), after::prettify);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void past_the_context_queue_an_execution_gets_503_context_busy_and_the_waiting_ones_still_run() throws Exception {
        ExecutorService clients = Executors.newCachedThreadPool();
        try (TestDaemon daemon = TestDaemon.start("--context-queue", "2")) {
            String id = create(daemon);
            Path release = TestDaemon.openToTheCode(tmp).resolve("release");
            List<CompletableFuture<Response>> accepted = new ArrayList<>();
            accepted.add(submit(clients, daemon, Map.of("code", waitFor(release) + "x = 1", "contextId", id)));
            eventually("the first execution runs in the context", () -> health(daemon).getInt("running") == 1);
            for (int i = 1; i <= 2; i++) {
                accepted.add(submit(clients, daemon, Map.of("code", "x += 1\nprint(x)", "contextId", id)));
                int waiting = i;
                eventually(waiting + " executions wait for the context's turn", () -> queuedIn(daemon, id) == waiting);
            }

            daemon.request().contentType(ContentType.JSON).body(Map.of("code", "print('one too many')", "contextId", id))
                    .post(EXECUTE)
                    .then().statusCode(503)
                    .header("Retry-After", equalTo("1"))
                    .body("error", equalTo("context_busy"))
                    .body("message", containsString("--context-queue"));
            daemon.execute("print('stateless')").body("stdout", equalTo("stateless\n"));

            Files.createFile(release);
            List<String> outputs = new ArrayList<>();
            for (CompletableFuture<Response> execution : accepted) {
                Response answer = execution.get(60, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), answer.asString());
                assertEquals("ok", answer.jsonPath().getString("status"), answer.asString());
                outputs.add(answer.jsonPath().getString("stdout").strip());
            }
            assertEquals(List.of("", "2", "3"), outputs, "the refused execution did not run");
            assertEquals(3, daemon.request().get(CONTEXTS + "/" + id).jsonPath().getInt("executions"));
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void without_the_memory_reserve_available_a_context_is_refused_with_503_saying_why() {
        // More than any machine has: creation must find too little memory, and no idle MCP interpreter to end.
        try (TestDaemon daemon = TestDaemon.start("--context-memory-reserve", "1000000000000000")) {
            daemon.request().post(CONTEXTS)
                    .then().statusCode(503)
                    .body("error", equalTo("too_many_contexts"))
                    .body("message", containsString("--context-memory-reserve"));
            JsonPath health = health(daemon);
            assertEquals(0, health.getInt("contexts.live"), health::prettify);
            daemon.execute("print('stateless')").body("stdout", equalTo("stateless\n"));
        }
    }

    /** Python that waits until {@code release} exists, so that the test decides when it ends. */
    private static String waitFor(Path release) {
        return "import os, time\nwhile not os.path.exists('" + release + "'):\n    time.sleep(0.01)\n";
    }

    private static String create(TestDaemon daemon) {
        return daemon.request().contentType(ContentType.JSON).body("{}").post(CONTEXTS)
                .then().statusCode(200).extract().path("id");
    }

    private static int queuedIn(TestDaemon daemon, String id) {
        return daemon.request().get(CONTEXTS + "/" + id).then().statusCode(200).extract().path("queued");
    }

    private static JsonPath health(TestDaemon daemon) {
        return daemon.request().get("/health").then().statusCode(200).extract().jsonPath();
    }

    private static CompletableFuture<Response> submit(ExecutorService clients, TestDaemon daemon, Map<String, Object> body) {
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> daemon.request()
                .contentType(ContentType.JSON).body(body).post(EXECUTE), clients);
        assertFalse(answer.isCompletedExceptionally());
        return answer;
    }
}
