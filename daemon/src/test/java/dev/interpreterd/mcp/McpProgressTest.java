package dev.interpreterd.mcp;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.TestDaemon;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Progress over MCP: a {@code tools/call} with a progress token, from a client that takes SSE, is
 * answered with a stream of {@code notifications/progress} that show the latest output, heartbeats
 * while the code is silent, and the response last; as the official SDK client sees it, and raw.
 */
class McpProgressTest {

    /** A heartbeat every second, so that a silent call of a few seconds gets some. */
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--keepalive", "1");

    private static final String LINES = "import time\nfor i in range(1, 6):\n    print(f'line {i}', flush=True)\n"
            + "    time.sleep(0.3)";
    /** Prints, then sleeps until stopped, noting how long it slept before the stop. */
    private static final String STOPPABLE = "import time\nt0 = time.monotonic()\ntry:\n"
            + "    print('started', flush=True)\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
            + "    waited = time.monotonic() - t0\n    raise";

    @BeforeAll
    static void installClient() {
        McpClient.install();
    }

    @Test
    void progress_notifications_show_the_printed_lines_before_the_result() {
        JsonNode report = run(List.of(progressCall("a", LINES), McpClient.step("a", "terminate")));
        JsonNode step = report.at("/steps/0");
        assertTrue(step.path("ok").asBoolean(), report::toString);
        JsonNode progress = step.path("progress");
        assertFalse(progress.isEmpty(), () -> "no progress notification: " + report);
        double previous = 0;
        boolean sawLine3 = false;
        for (JsonNode p : progress) {
            assertTrue(p.path("progress").asDouble() > previous, () -> "progress does not grow: " + progress);
            previous = p.path("progress").asDouble();
            assertTrue(p.path("at").asLong() <= step.path("resultAt").asLong(), () -> "after the result: " + report);
            String message = p.path("message").asText();
            assertTrue(message.length() <= 200, message);
            sawLine3 |= message.contains("line 3");
        }
        assertTrue(sawLine3, () -> "no message shows line 3: " + progress);
        assertEquals("line 1\nline 2\nline 3\nline 4\nline 5\n", step.at("/result/structuredContent/stdout").asText(),
                report::toString);
    }

    @Test
    void a_silent_call_gets_heartbeats_that_say_it_is_running() {
        JsonNode report = run(List.of(progressCall("a", "import time\ntime.sleep(3)"), McpClient.step("a", "terminate")));
        JsonNode step = report.at("/steps/0");
        assertTrue(step.path("ok").asBoolean(), report::toString);
        assertFalse(step.path("result").path("isError").asBoolean(), report::toString);
        List<String> messages = new ArrayList<>();
        step.path("progress").forEach(p -> messages.add(p.path("message").asText()));
        assertTrue(messages.stream().anyMatch(m -> m.matches("running for \\d+ s")), () -> "no heartbeat: " + report);
    }

    @Test
    void aborting_a_call_in_the_client_cancels_it_and_the_session_goes_on() {
        Map<String, Object> call = progressCall("a", STOPPABLE);
        call.put("abortOn", "started");
        JsonNode report = run(List.of(call, McpClient.execute("a", "print(waited < 20)"),
                McpClient.step("a", "terminate")));
        assertFalse(report.at("/steps/0/ok").asBoolean(), report::toString);
        assertTrue(report.at("/steps/1/ok").asBoolean(), report::toString);
        assertEquals("True\n", report.at("/steps/1/result/structuredContent/stdout").asText(), report::toString);
    }

    @Test
    void a_call_is_plain_json_without_a_token_or_without_sse_and_a_stream_with_both() {
        try (RawMcp mcp = RawMcp.open(daemon)) {
            String code = "import time\nprint('hello', flush=True)\ntime.sleep(0.5)";
            Response noToken = mcp.post(RawMcp.call(7, code, null), RawMcp.BOTH);
            assertEquals("application/json", noToken.contentType(), noToken::asString);
            assertEquals("hello\n", noToken.jsonPath().getString("result.structuredContent.stdout"), noToken::asString);
            Response noSse = mcp.post(RawMcp.call(8, code, "\"tok-1\""), "application/json");
            assertEquals("application/json", noSse.contentType(), noSse::asString);
            Response streamed = mcp.post(RawMcp.call(9, code, "\"tok-1\""), RawMcp.BOTH);
            assertEquals(200, streamed.statusCode());
            assertTrue(streamed.contentType().startsWith("text/event-stream"), streamed.contentType());
            List<JsonNode> messages = RawMcp.events(streamed.asString());
            JsonNode response = messages.get(messages.size() - 1);
            assertEquals(9, response.path("id").asInt(), messages::toString);
            assertEquals("hello\n", response.at("/result/structuredContent/stdout").asText(), messages::toString);
            List<JsonNode> notifications = messages.subList(0, messages.size() - 1);
            for (JsonNode notification : notifications) {
                assertEquals("notifications/progress", notification.path("method").asText(), messages::toString);
                assertEquals("tok-1", notification.at("/params/progressToken").asText(), messages::toString);
            }
            assertTrue(notifications.stream().anyMatch(n -> n.at("/params/message").asText().startsWith("hello")),
                    messages::toString);
        }
    }

    @Test
    void cancelling_a_streamed_call_ends_its_stream_with_the_interrupted_result() throws IOException {
        try (RawMcp mcp = RawMcp.open(daemon); InputStream body = mcp.stream(RawMcp.call(11, STOPPABLE, "11"))) {
            BufferedReader events = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            JsonNode first = RawMcp.progressShowing(events, "started");
            assertEquals(11, first.at("/params/progressToken").asInt(), first::toString);
            assertEquals(202, mcp.post("{\"jsonrpc\": \"2.0\", \"method\": \"notifications/cancelled\", \"params\":"
                    + " {\"requestId\": 11, \"reason\": \"no longer needed\"}}", RawMcp.BOTH).statusCode());
            JsonNode last = first;
            for (JsonNode message = first; message != null; message = RawMcp.next(events)) {
                last = message;
            }
            assertEquals(11, last.path("id").asInt(), last::toString);
            assertEquals("interrupted", last.at("/result/structuredContent/status").asText(), last::toString);
            assertTrue(last.at("/result/isError").asBoolean(), last::toString);
            assertTrue(last.at("/result/content/0/text").asText().contains("the client cancelled the call"),
                    last::toString);
        }
    }

    @Test
    void a_client_that_leaves_the_stream_does_not_cancel_the_call() throws IOException {
        try (RawMcp mcp = RawMcp.open(daemon)) {
            String code = "import time\nprint('started', flush=True)\ntime.sleep(1.5)\nprint('more', flush=True)\n"
                    + "time.sleep(0.5)\ndone = True";
            try (InputStream body = mcp.stream(RawMcp.call(12, code, "12"))) {
                RawMcp.progressShowing(new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)), "started");
            }
            // The session's interpreter runs one call at a time: this one waits for the first to end.
            Response after = mcp.post(RawMcp.call(13, "print(done)", null), RawMcp.BOTH);
            assertEquals("True\n", after.jsonPath().getString("result.structuredContent.stdout"), after::asString);
        }
    }

    @Test
    void a_call_cancelled_while_it_waits_for_its_turn_never_runs_and_the_interpreter_keeps_its_state() throws Exception {
        try (RawMcp mcp = RawMcp.open(daemon)) {
            String context = mcp.post(RawMcp.call(20, "pass", null), RawMcp.BOTH).jsonPath()
                    .getString("result.structuredContent.contextId");
            String first = "import time\nx = 1\nprint('started', flush=True)\ntime.sleep(1.5)\nx = 2";
            try (InputStream body = mcp.stream(RawMcp.call(21, first, "21"))) {
                BufferedReader events = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                RawMcp.progressShowing(events, "started");
                CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(
                        () -> mcp.post(RawMcp.call(22, "x = 100\nprint('ran')", null), RawMcp.BOTH));
                eventually("the second call waits for the session's interpreter", () -> daemon.request()
                        .get("/process/interpreter/context/" + context).jsonPath().getInt("queued") == 1);
                assertEquals(202, mcp.post("{\"jsonrpc\": \"2.0\", \"method\": \"notifications/cancelled\","
                        + " \"params\": {\"requestId\": 22}}", RawMcp.BOTH).statusCode());

                Response cancelled = waiting.get(60, TimeUnit.SECONDS);
                assertEquals("interrupted", cancelled.jsonPath().getString("result.structuredContent.status"),
                        cancelled::asString);
                assertEquals("", cancelled.jsonPath().getString("result.structuredContent.stdout"), cancelled::asString);
                JsonNode last = null;
                for (JsonNode message = RawMcp.next(events); message != null; message = RawMcp.next(events)) {
                    last = message;
                }
                assertEquals("ok", last.at("/result/structuredContent/status").asText(), String.valueOf(last));
            }
            Response after = mcp.post(RawMcp.call(23, "print(x)", null), RawMcp.BOTH);
            assertEquals("2\n", after.jsonPath().getString("result.structuredContent.stdout"), after::asString);
            assertFalse(after.jsonPath().getBoolean("result.structuredContent.contextRestarted"), after::asString);
        }
    }

    private static Map<String, Object> progressCall(String session, String code) {
        return McpClient.step(session, "call", "name", "execute_python", "arguments", Map.of("code", code),
                "progress", true);
    }

    private static JsonNode run(List<Map<String, Object>> steps) {
        return McpClient.run("http://127.0.0.1:" + daemon.port() + "/mcp", Map.of(), steps);
    }
}
