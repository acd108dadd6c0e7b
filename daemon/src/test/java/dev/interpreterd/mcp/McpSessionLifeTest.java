package dev.interpreterd.mcp;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP sessions as assistants really use them, through the official MCP TypeScript SDK client: many
 * sessions opened and dropped without DELETE, so that their idle interpreters are reclaimed for new
 * ones, least recently used first, and sessions that expire after going idle.
 */
class McpSessionLifeTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void installClient() {
        McpClient.install();
    }

    @Test
    void abandoned_sessions_past_max_contexts_give_way_to_new_ones_least_recently_used_first() {
        try (TestDaemon daemon = TestDaemon.start("--max-contexts", "3")) {
            List<Map<String, Object>> steps = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                steps.add(McpClient.execute("s" + i, "x = " + i));
            }
            steps.add(McpClient.execute("new", "print('a new session runs')"));
            steps.add(McpClient.execute("s5", "print(x)"));
            steps.add(McpClient.execute("s4", "print(x)"));
            steps.add(McpClient.execute("s1", "print(x)"));
            // No session sends DELETE: the client drops them all, as assistants do.
            JsonNode report = McpClient.run(url(daemon), Map.of(), steps);

            for (int i = 0; i < 5; i++) {
                assertFalse(McpClient.result(report, i).path("isError").asBoolean(), report::toString);
            }
            assertEquals("status: ok\nstdout:\na new session runs", McpClient.text(McpClient.result(report, 5)));
            assertEquals("status: ok\nstdout:\n5", McpClient.text(McpClient.result(report, 6)), "the most recently used keep their state");
            assertEquals("status: ok\nstdout:\n4", McpClient.text(McpClient.result(report, 7)), "the most recently used keep their state");

            JsonNode restarted = McpClient.result(report, 8);
            String[] lines = McpClient.text(restarted).split("\n");
            assertTrue(lines[0].startsWith("note: the Python interpreter was restarted before this call"), lines[0]);
            assertTrue(lines[0].contains("was reclaimed to make room for a new interpreter"), lines[0]);
            assertTrue(lines[0].contains("--max-contexts"), lines[0]);
            assertEquals("status: error", lines[1], "the fresh interpreter ran the call and survived it: " + restarted);
            assertTrue(restarted.at("/structuredContent/contextRestarted").asBoolean(), restarted::toString);
            assertTrue(restarted.path("isError").asBoolean(), "x is gone with the old interpreter: " + restarted);
            assertTrue(McpClient.text(restarted).endsWith("NameError: name 'x' is not defined"), restarted::toString);

            JsonPath health = health(daemon);
            assertEquals(3, health.getInt("contexts.live"), health::prettify);
            assertEquals(4, health.getInt("contexts.reclaimed"), health::prettify);
            assertEquals(6, health.getInt("mcp.sessions"), health::prettify);
        }
    }

    @Test
    void neither_a_running_call_nor_an_http_context_is_reclaimed() throws Exception {
        try (TestDaemon daemon = TestDaemon.start("--max-contexts", "2")) {
            String http = daemon.request().contentType(ContentType.JSON).body("{}").post("/process/interpreter/context")
                    .then().statusCode(200).extract().path("id");
            daemon.execute("y = 'kept'", Map.of("contextId", http));
            Path release = TestDaemon.openToTheCode(tmp).resolve("release");
            CompletableFuture<JsonNode> running = McpClient.start(url(daemon), Map.of(), List.of(McpClient.execute("a",
                    "import os, time\nwhile not os.path.exists('" + release + "'):\n    time.sleep(0.01)\nprint('a ran')")));
            eventually("session a's call runs", () -> health(daemon).getInt("running") == 1);

            JsonNode refused = McpClient.run(url(daemon), Map.of(), List.of(McpClient.execute("b", "print('b runs')")));
            JsonNode answer = McpClient.result(refused, 0);
            assertTrue(answer.path("isError").asBoolean(), refused::toString);
            assertTrue(McpClient.text(answer).contains("--max-contexts"), refused::toString);

            Files.createFile(release);
            assertEquals("status: ok\nstdout:\na ran", McpClient.text(McpClient.result(running.get(60, TimeUnit.SECONDS), 0)));
            daemon.execute("print(y)", Map.of("contextId", http)).body("stdout", equalTo("kept\n"));
            assertEquals(0, health(daemon).getInt("contexts.reclaimed"));
        }
    }

    @Test
    void an_expired_session_gets_404_and_the_clients_next_session_works() {
        try (TestDaemon daemon = TestDaemon.start("--mcp-session-idle-timeout", "1")) {
            JsonNode report = McpClient.run(url(daemon), Map.of(), List.of(
                    McpClient.execute("a", "x = 1"),
                    McpClient.step(null, "sleep", "ms", 2500),
                    McpClient.execute("a", "print(x)"),
                    McpClient.execute("b", "print('b runs')")));
            assertFalse(McpClient.result(report, 0).path("isError").asBoolean(), report::toString);
            JsonNode expired = report.path("steps").get(2);
            assertFalse(expired.path("ok").asBoolean(), report::toString);
            assertEquals(404, expired.path("code").asInt(), report::toString);
            assertEquals("status: ok\nstdout:\nb runs", McpClient.text(McpClient.result(report, 3)));
            eventually("the expired session's interpreter is gone", Duration.ofSeconds(5),
                    () -> health(daemon).getInt("contexts.live") <= 1);
        }
    }

    @Test
    void a_session_whose_call_runs_longer_than_the_idle_timeout_does_not_expire_under_it() {
        try (TestDaemon daemon = TestDaemon.start("--mcp-session-idle-timeout", "1", "--keepalive", "1")) {
            JsonNode report = McpClient.run(url(daemon), Map.of(), List.of(
                    McpClient.execute("a", "import time\ntime.sleep(2.5)\nx = 7"),
                    McpClient.step("a", "call", "name", "execute_python", "progress", true,
                            "arguments", Map.of("code", "time.sleep(2.5)\nx += 1")),
                    McpClient.execute("a", "print(x)")));
            assertFalse(McpClient.result(report, 0).path("isError").asBoolean(), report::toString);
            assertFalse(McpClient.result(report, 1).path("isError").asBoolean(), report::toString);
            assertEquals("status: ok\nstdout:\n8", McpClient.text(McpClient.result(report, 2)), report::toString);
        }
    }

    private static String url(TestDaemon target) {
        return "http://127.0.0.1:" + target.port() + "/mcp";
    }

    private static JsonPath health(TestDaemon daemon) {
        return daemon.request().get("/health").then().statusCode(200).extract().jsonPath();
    }
}
