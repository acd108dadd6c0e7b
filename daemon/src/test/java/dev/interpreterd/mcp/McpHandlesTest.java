package dev.interpreterd.mcp;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interpreters held by handle, in both eras of MCP: a {@code contextId} reaches the interpreter it
 * names from any session or client, and one that names a reclaimed or closed interpreter is a tool
 * error that says so and gives a fresh id, never a silent restart.
 */
class McpHandlesTest {

    private static final Pattern FRESH = Pattern.compile("call again with contextId ([0-9a-f-]{36}),");

    @BeforeAll
    static void installClient() {
        McpClient.install();
    }

    @Test
    void a_handle_reaches_another_legacy_sessions_interpreter_and_close_python_ends_it() {
        try (TestDaemon daemon = TestDaemon.start()) {
            JsonNode report = McpClient.run(url(daemon), Map.of(), List.of(
                    McpClient.execute("a", "x = 41"),
                    McpClient.execute("b", "print(x + 1)", "$0"),
                    McpClient.execute("b", "print('own')"),
                    McpClient.call("b", "close_python", Map.of("contextId", "$0")),
                    McpClient.execute("a", "print('a again')")));
            String sessionA = McpClient.contextId(report, 0);
            assertEquals("status: ok\nstdout:\n42", McpClient.text(McpClient.result(report, 1)), report::toString);
            assertEquals(sessionA, McpClient.contextId(report, 1));
            assertNotEquals(sessionA, McpClient.contextId(report, 2), "b's own interpreter is another");
            assertFalse(McpClient.result(report, 3).path("isError").asBoolean(), report::toString);
            JsonNode again = McpClient.result(report, 4);
            String[] lines = McpClient.text(again).split("\n");
            assertTrue(lines[0].startsWith("note: the Python interpreter was restarted before this call (the previous"
                    + " one was deleted)"), again::toString);
            assertEquals("status: ok", lines[1], again::toString);
            assertTrue(again.at("/structuredContent/contextRestarted").asBoolean(), again::toString);
            assertNotEquals(sessionA, McpClient.contextId(report, 4));
        }
    }

    @Test
    void a_reclaimed_handle_is_a_tool_error_naming_a_fresh_interpreter_in_the_modern_era() {
        try (TestDaemon daemon = TestDaemon.start("--max-contexts", "2")) {
            JsonNode report = McpClient.runModern(url(daemon), Map.of(), List.of(
                    McpClient.step("a", "list"),
                    McpClient.execute("a", "x = 1"),
                    McpClient.execute("a", "y = 2"),
                    McpClient.execute("a", "z = 3"),
                    McpClient.execute("a", "print(x)", "$1")));
            String fresh = assertGone(McpClient.result(report, 4), McpClient.contextId(report, 1));
            JsonNode next = McpClient.runModern(url(daemon), Map.of(), List.of(McpClient.step("a", "list"),
                    McpClient.execute("a", "print('runs')", fresh)));
            assertEquals("status: ok\nstdout:\nruns", McpClient.text(McpClient.result(next, 1)), next::toString);
            assertEquals(fresh, McpClient.contextId(next, 1));
        }
    }

    @Test
    void a_reclaimed_handle_is_a_tool_error_naming_a_fresh_interpreter_in_the_legacy_era() {
        try (TestDaemon daemon = TestDaemon.start("--max-contexts", "2")) {
            JsonNode report = McpClient.run(url(daemon), Map.of(), List.of(
                    McpClient.execute("a", "x = 1"),
                    McpClient.execute("b", "y = 2"),
                    McpClient.execute("c", "z = 3"),
                    McpClient.execute("c", "print(x)", "$0")));
            String fresh = assertGone(McpClient.result(report, 3), McpClient.contextId(report, 0));
            assertNotEquals(McpClient.contextId(report, 2), fresh, "the fresh one is not c's own");
        }
    }

    @Test
    void a_handle_from_a_legacy_session_works_for_a_modern_client() {
        try (TestDaemon daemon = TestDaemon.start()) {
            JsonNode legacy = McpClient.run(url(daemon), Map.of(), List.of(McpClient.execute("a", "x = 5")));
            String id = McpClient.contextId(legacy, 0);
            JsonNode modern = McpClient.runModern(url(daemon), Map.of(), List.of(McpClient.step("m", "list"),
                    McpClient.execute("m", "print(x)", id)));
            assertEquals("status: ok\nstdout:\n5", McpClient.text(McpClient.result(modern, 1)), modern::toString);
        }
    }

    @Test
    void ids_begin_with_the_daemons_prefix_so_that_a_proxy_can_route_by_them() {
        try (TestDaemon daemon = TestDaemon.start("--id-prefix", "node-a.")) {
            String uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
            String http = daemon.request().contentType(ContentType.JSON).body("{}").post("/process/interpreter/context")
                    .then().statusCode(200).extract().path("id");
            assertTrue(http.matches("node-a\\." + uuid), http);
            daemon.execute("print('routed')", Map.of("contextId", http)).body("contextId", equalTo(http));
            JsonNode legacy = McpClient.run(url(daemon), Map.of(), List.of(McpClient.execute("a", "pass")));
            assertTrue(legacy.at("/sessions/a/sessionId").asText().startsWith("node-a."), legacy::toString);
            assertTrue(McpClient.contextId(legacy, 0).matches("node-a\\." + uuid), legacy::toString);
            JsonNode modern = McpClient.runModern(url(daemon), Map.of(), List.of(McpClient.step("m", "list"),
                    McpClient.execute("m", "y = 1"), McpClient.execute("m", "print(y)", "$1")));
            assertTrue(McpClient.contextId(modern, 1).matches("node-a\\." + uuid), modern::toString);
            assertEquals("status: ok\nstdout:\n1", McpClient.text(McpClient.result(modern, 2)), modern::toString);
        }
    }

    @Test
    void a_new_interpreter_whose_code_could_not_start_is_not_left_behind(@TempDir Path dir) throws Exception {
        try (TestDaemon daemon = TestDaemon.start("--max-concurrent", "1", "--queue", "0")) {
            Path release = TestDaemon.openToTheCode(dir).resolve("release");
            CompletableFuture<Void> busy = CompletableFuture.runAsync(() -> daemon.execute("import os, time\n"
                    + "while not os.path.exists('" + release + "'):\n    time.sleep(0.01)"));
            try {
                eventually("the one slot is taken", () -> daemon.request().get("/health").jsonPath().getInt("running") == 1);
                JsonNode report = McpClient.runModern(url(daemon), Map.of(), List.of(McpClient.step("a", "list"),
                        McpClient.execute("a", "print('no slot')")));
                JsonNode refused = McpClient.result(report, 1);
                assertTrue(refused.path("isError").asBoolean(), refused::toString);
                assertTrue(McpClient.fullText(refused).startsWith("the code did not run: "), refused::toString);
                assertEquals(0, daemon.request().get("/health").jsonPath().getInt("contexts.live"),
                        "no answer names the interpreter made for the call, so it is gone");
            } finally {
                Files.createFile(release);
                busy.get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Checks the answer to a call naming a reclaimed interpreter, and returns the fresh id it gives. */
    private static String assertGone(JsonNode answer, String reclaimed) {
        assertTrue(answer.path("isError").asBoolean(), answer::toString);
        assertTrue(answer.path("structuredContent").isMissingNode(), "the code did not run: " + answer);
        String text = McpClient.fullText(answer);
        assertTrue(text.startsWith("the code did not run: no interpreter has contextId " + reclaimed
                + " (it was reclaimed to make room for a new interpreter: 2 were live (--max-contexts))"), text);
        Matcher fresh = FRESH.matcher(text);
        assertTrue(fresh.find(), text);
        assertNotEquals(reclaimed, fresh.group(1));
        return fresh.group(1);
    }

    private static String url(TestDaemon daemon) {
        return "http://127.0.0.1:" + daemon.port() + "/mcp";
    }
}
