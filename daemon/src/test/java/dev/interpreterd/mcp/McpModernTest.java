package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /mcp} in MCP's modern era (2026-07-28), as the official TypeScript client 2.x sees it when
 * it speaks that era alone: no {@code initialize} and no session, interpreters kept apart and found
 * again by their {@code contextId}, progress on the call's own stream, and a call cancelled by
 * closing that stream.
 */
class McpModernTest {

    /** A heartbeat every second, so that a silent call of a few seconds gets some progress. */
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--keepalive", "1");

    /** Prints, then sleeps until stopped, noting how long it slept before the stop. */
    private static final String STOPPABLE = "import time\nt0 = time.monotonic()\ntry:\n"
            + "    print('started', flush=True)\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
            + "    waited = time.monotonic() - t0\n    raise";

    @BeforeAll
    static void installClient() {
        McpClient.install();
    }

    @Test
    void a_modern_only_client_connects_without_a_session_and_lists_the_tools_with_their_schemas() {
        JsonNode report = run(List.of(McpClient.step("a", "list")));
        JsonNode session = report.at("/sessions/a");
        assertEquals("modern", session.path("era").asText(), report::toString);
        assertEquals("2026-07-28", session.path("protocolVersion").asText(), report::toString);
        assertTrue(session.path("sessionId").isNull(), report::toString);
        JsonNode tools = McpClient.result(report, 0).path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(tool -> names.add(tool.path("name").asText()));
        assertEquals(List.of("execute_python", "reset_python", "close_python"), names, tools::toString);
        JsonNode execute = tools.get(0);
        assertEquals("ContextId", execute.at("/inputSchema/properties/contextId/x-mcp-header").asText(), tools::toString);
        assertEquals("object", execute.at("/outputSchema/type").asText(), tools::toString);
        assertTrue(execute.path("description").asText().contains("starts a new, empty interpreter"), tools::toString);
    }

    @Test
    void state_is_kept_by_handle_two_handles_are_kept_apart_and_another_client_can_use_one() {
        JsonNode report = run(List.of(
                McpClient.step("a", "list"),
                McpClient.execute("a", "x = 1"),
                McpClient.execute("a", "x = 2"),
                McpClient.step("a", "call", "name", "execute_python", "arguments", Map.of("code", "print(x)")),
                McpClient.execute("a", "print(x)", "$1"),
                McpClient.execute("a", "print(x)", "$2"),
                // A second client, which has not listed the tools: its first call goes without the
                // Mcp-Param-ContextId header, is refused, and the client lists the tools and retries.
                McpClient.execute("b", "x += 40\nprint(x)", "$1")));
        String first = McpClient.contextId(report, 1);
        String second = McpClient.contextId(report, 2);
        assertNotEquals(first, second, "each call without an id gets an interpreter of its own");
        JsonNode fresh = McpClient.result(report, 3);
        assertTrue(McpClient.text(fresh).endsWith("NameError: name 'x' is not defined"), fresh::toString);
        assertEquals("status: ok\nstdout:\n1", McpClient.text(McpClient.result(report, 4)), report::toString);
        assertEquals(first, McpClient.contextId(report, 4));
        assertEquals("status: ok\nstdout:\n2", McpClient.text(McpClient.result(report, 5)), report::toString);
        assertEquals("status: ok\nstdout:\n41", McpClient.text(McpClient.result(report, 6)), report::toString);
        assertEquals(first, McpClient.contextId(report, 6));
    }

    @Test
    void progress_comes_on_the_calls_own_stream_before_the_result() {
        JsonNode report = run(List.of(McpClient.step("a", "list"), progressCall("a",
                "import time\nfor i in range(1, 5):\n    print(f'line {i}', flush=True)\n    time.sleep(0.4)", null)));
        JsonNode step = report.at("/steps/1");
        assertTrue(step.path("ok").asBoolean(), report::toString);
        assertFalse(step.at("/result/isError").asBoolean(), report::toString);
        boolean sawLine2 = false;
        for (JsonNode p : step.path("progress")) {
            assertTrue(p.path("at").asLong() <= step.path("resultAt").asLong(), report::toString);
            sawLine2 |= p.path("message").asText().contains("line 2");
        }
        assertTrue(sawLine2, () -> "no progress shows line 2: " + report);
        assertEquals("line 1\nline 2\nline 3\nline 4\n", step.at("/result/structuredContent/stdout").asText());
    }

    @Test
    void closing_the_calls_stream_cancels_it_as_a_timeout_would_and_the_interpreter_keeps_its_state() {
        Map<String, Object> cancelled = progressCall("a", STOPPABLE, "$1");
        cancelled.put("abortOn", "started");
        JsonNode report = run(List.of(
                McpClient.step("a", "list"),
                McpClient.execute("a", "kept = 'yes'"),
                cancelled,
                McpClient.execute("a", "print(kept, waited < 10)", "$1")));
        assertFalse(report.at("/steps/2/ok").asBoolean(), "the client aborted the call: " + report);
        JsonNode after = McpClient.result(report, 3);
        assertEquals("status: ok\nstdout:\nyes True", McpClient.text(after), report::toString);
        assertFalse(after.at("/structuredContent/contextRestarted").asBoolean(), report::toString);
    }

    @Test
    void reset_and_close_act_on_the_interpreter_the_handle_names() {
        JsonNode report = run(List.of(
                McpClient.step("a", "list"),
                McpClient.execute("a", "x = 1"),
                McpClient.call("a", "reset_python", Map.of("contextId", "$1")),
                McpClient.execute("a", "print(x)", "$1"),
                McpClient.call("a", "close_python", Map.of("contextId", "$1")),
                McpClient.execute("a", "print('after close')", "$1")));
        String id = McpClient.contextId(report, 1);
        JsonNode reset = McpClient.result(report, 2);
        assertFalse(reset.path("isError").asBoolean(), reset::toString);
        assertTrue(McpClient.fullText(reset).startsWith("contextId: " + id + "\n"), reset::toString);
        JsonNode emptied = McpClient.result(report, 3);
        assertTrue(McpClient.text(emptied).endsWith("NameError: name 'x' is not defined"), emptied::toString);
        assertEquals(id, McpClient.contextId(report, 3), "the reset keeps the id");
        JsonNode closed = McpClient.result(report, 4);
        assertFalse(closed.path("isError").asBoolean(), closed::toString);
        JsonNode gone = McpClient.result(report, 5);
        assertTrue(gone.path("isError").asBoolean(), gone::toString);
        String text = McpClient.fullText(gone);
        assertTrue(text.startsWith("the code did not run: no interpreter has contextId " + id + " (it was deleted)"),
                text);
        assertTrue(text.matches("(?s).*call again with contextId [0-9a-f-]{36}\\b.*"), text);
    }

    @Test
    void the_mcp_pages_handle_example_runs_as_written() throws IOException {
        Matcher example = Pattern.compile("(?s)```js\\n(.*?)```").matcher(Files.readString(Path.of("../docs/mcp.md")));
        assertTrue(example.find(), "no JavaScript example in docs/mcp.md");
        String script = example.group(1).replace("http://127.0.0.1:8000/mcp", "http://127.0.0.1:" + daemon.port() + "/mcp");
        String printed = McpClient.runScript("handle-example.mjs", script);
        assertTrue(printed.matches("contextId: [0-9a-f-]{36}\\nstatus: ok\\nstdout:\\n42\\n"), printed);
    }

    private static Map<String, Object> progressCall(String session, String code, String contextId) {
        Map<String, Object> arguments = contextId == null ? Map.of("code", code) : Map.of("code", code,
                "contextId", contextId);
        return McpClient.step(session, "call", "name", "execute_python", "arguments", arguments, "progress", true);
    }

    private static JsonNode run(List<Map<String, Object>> steps) {
        return McpClient.runModern("http://127.0.0.1:" + daemon.port() + "/mcp", Map.of(), steps);
    }
}
