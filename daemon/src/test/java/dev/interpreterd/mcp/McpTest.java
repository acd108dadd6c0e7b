package dev.interpreterd.mcp;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /mcp} as the official MCP TypeScript SDK client sees it: tools listed and called, state kept
 * within a session and apart between sessions, errors, plots, the token and the end of a session;
 * and the transport's refusals, checked with plain HTTP.
 */
class McpTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final String PING = "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}";

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @BeforeAll
    static void installClient() {
        McpClient.install();
    }

    @Test
    void initialize_agrees_on_the_newest_version_and_tools_list_shows_both_tools() {
        JsonNode report = run(List.of(McpClient.step("a", "list"), McpClient.step("a", "terminate")));
        JsonNode session = report.at("/sessions/a");
        assertEquals("2025-11-25", session.path("protocolVersion").asText(), report::toString);
        assertEquals("interpreterd", session.at("/server/name").asText(), report::toString);
        JsonNode tools = McpClient.result(report, 0).path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(tool -> names.add(tool.path("name").asText()));
        assertEquals(List.of("execute_python", "reset_python", "close_python"), names, tools::toString);
        JsonNode schema = tools.get(0).path("inputSchema");
        assertEquals("code", schema.at("/required/0").asText(), schema::toString);
        assertTrue(tools.get(0).path("description").asText().contains("stdin is empty"), tools::toString);
    }

    @Test
    void state_is_kept_between_calls_of_a_session_and_not_shared_between_sessions() {
        JsonNode report = run(List.of(
                McpClient.execute("a", "x = 41\nimport json"),
                McpClient.execute("a", "print(json.dumps({'x': x + 1}))"),
                McpClient.execute("b", "x"),
                McpClient.step("a", "terminate"),
                McpClient.step("b", "terminate")));
        JsonNode second = McpClient.result(report, 1);
        assertFalse(second.path("isError").asBoolean(), second::toString);
        assertEquals("status: ok\nstdout:\n{\"x\": 42}", McpClient.text(second));
        assertEquals("{\"x\": 42}\n", second.at("/structuredContent/stdout").asText());
        JsonNode other = McpClient.result(report, 2);
        assertTrue(other.path("isError").asBoolean(), other::toString);
        assertTrue(McpClient.text(other).endsWith("NameError: name 'x' is not defined"), other::toString);
        String contextA = McpClient.result(report, 0).at("/structuredContent/contextId").asText();
        assertEquals(contextA, second.at("/structuredContent/contextId").asText());
        assertNotEquals(contextA, other.at("/structuredContent/contextId").asText());
    }

    @Test
    void an_exception_comes_back_as_an_error_result_with_its_traceback() {
        JsonNode report = run(List.of(McpClient.execute("a", "def f():\n    return 1 / 0\nprint('before')\nf()"),
                McpClient.step("a", "terminate")));
        JsonNode result = McpClient.result(report, 0);
        assertTrue(result.path("isError").asBoolean(), result::toString);
        String text = McpClient.text(result);
        assertTrue(text.startsWith("status: error\nstdout:\nbefore\nTraceback (most recent call last):"), text);
        assertTrue(text.contains("line 2, in f") && text.endsWith("ZeroDivisionError: division by zero"), text);
        JsonNode structured = result.path("structuredContent");
        assertEquals("error", structured.path("status").asText(), structured::toString);
        assertEquals("ZeroDivisionError", structured.at("/error/name").asText(), structured::toString);
    }

    @Test
    void a_matplotlib_plot_comes_back_as_image_content() {
        Requires.pythonModules("matplotlib");
        JsonNode report = run(List.of(McpClient.execute("a", "import matplotlib.pyplot as plt\n"
                        + "plt.plot([1, 2, 3], [1, 4, 9])\nplt.show()"),
                McpClient.step("a", "terminate")));
        JsonNode result = McpClient.result(report, 0);
        assertFalse(result.path("isError").asBoolean(), result::toString);
        JsonNode image = result.path("content").get(1);
        assertEquals("image", image.path("type").asText(), result::toString);
        assertEquals("image/png", image.path("mimeType").asText(), result::toString);
        byte[] png = Base64.getDecoder().decode(image.path("data").asText());
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length), "not a PNG");
        assertEquals(image.path("data").asText(), result.at("/structuredContent/results/0/data/image~1png").asText());
        assertTrue(McpClient.text(result).contains("[image/png, sent as image 1]"), result::toString);
    }

    @Test
    void ending_the_session_ends_its_context_and_every_process_of_it(@TempDir Path dir) throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        Path go = dir.resolve("go");
        CompletableFuture<JsonNode> client = McpClient.start(url(daemon), Map.of(), List.of(
                McpClient.execute("a", "import subprocess\nsleeper = subprocess.Popen(['sleep', '" + marker + "'])"),
                McpClient.execute("a", "print(sleeper.poll() is None)"),
                McpClient.step("a", "await", "path", go.toString()),
                McpClient.step("a", "terminate")));
        eventually("the session's background sleep runs", () -> !LeftoverProcesses.withMarker(marker).isEmpty());
        Files.createFile(go);
        JsonNode report = client.get();
        assertEquals("status: ok\nstdout:\nTrue", McpClient.text(McpClient.result(report, 1)), report::toString);
        assertTrue(report.at("/steps/3/ok").asBoolean(), report::toString);
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void the_token_is_required_when_the_daemon_has_one() {
        try (TestDaemon guarded = TestDaemon.start("--token", "s3cret")) {
            JsonNode refused = McpClient.run(url(guarded), Map.of(), List.of(McpClient.step("a", "list")));
            assertFalse(refused.at("/steps/0/ok").asBoolean(), refused::toString);
            assertEquals(401, refused.at("/steps/0/code").asInt(), refused::toString);
            JsonNode allowed = McpClient.run(url(guarded), Map.of("Authorization", "Bearer s3cret"),
                    List.of(McpClient.step("a", "list"), McpClient.step("a", "terminate")));
            assertTrue(allowed.at("/steps/0/ok").asBoolean(), allowed::toString);
            assertTrue(allowed.at("/steps/1/ok").asBoolean(), allowed::toString);
        }
    }

    @Test
    void a_foreign_origin_is_refused_with_403_and_a_json_rpc_error() {
        Response refused = daemon.request().header("Origin", "http://evil.example").contentType(ContentType.JSON)
                .body(initialize("2025-11-25")).post("/mcp");
        assertEquals(403, refused.statusCode(), refused::asString);
        assertEquals(-32000, refused.jsonPath().getInt("error.code"), refused::asString);
        assertEquals(403, daemon.request().header("Origin", "http://127.0.0.1.evil.example:8000").delete("/mcp")
                .statusCode());
        Response local = daemon.request().header("Origin", "http://localhost:5173").contentType(ContentType.JSON)
                .body(initialize("2025-11-25")).post("/mcp");
        assertEquals(200, local.statusCode(), local::asString);
        assertEquals(204, daemon.request().header("Mcp-Session-Id", local.header("Mcp-Session-Id")).delete("/mcp")
                .statusCode());
    }

    @Test
    void initialize_answers_with_the_clients_version_if_supported_else_the_newest() {
        Response older = post(initialize("2025-06-18"), Map.of());
        assertEquals("2025-06-18", older.jsonPath().getString("result.protocolVersion"), older::asString);
        assertTrue(older.header("Mcp-Session-Id").matches("[A-Za-z0-9_-]{43}"), older.header("Mcp-Session-Id"));
        Response unknown = post(initialize("2024-11-05"), Map.of());
        assertEquals("2025-11-25", unknown.jsonPath().getString("result.protocolVersion"), unknown::asString);
        assertNotEquals(older.header("Mcp-Session-Id"), unknown.header("Mcp-Session-Id"));
    }

    @Test
    void a_request_without_a_session_is_400_and_with_an_unknown_or_ended_one_404() {
        assertEquals(400, post(PING, Map.of()).statusCode());
        assertEquals(404, post(PING, Map.of("Mcp-Session-Id", "no-such-session")).statusCode());
        String session = post(initialize("2025-11-25"), Map.of()).header("Mcp-Session-Id");
        assertEquals(200, post(PING, Map.of("Mcp-Session-Id", session)).statusCode());
        assertEquals(204, daemon.request().header("Mcp-Session-Id", session).delete("/mcp").statusCode());
        Response ended = post(PING, Map.of("Mcp-Session-Id", session));
        assertEquals(404, ended.statusCode(), ended::asString);
        assertEquals(-32001, ended.jsonPath().getInt("error.code"), ended::asString);
        assertEquals(404, daemon.request().header("Mcp-Session-Id", session).delete("/mcp").statusCode());
    }

    @Test
    void transport_refusals_and_json_rpc_errors() {
        String session = post(initialize("2025-11-25"), Map.of()).header("Mcp-Session-Id");
        Map<String, String> headers = Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25");
        assertEquals(202, post("{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}", headers)
                .statusCode());
        assertEquals(405, daemon.request().headers(headers).get("/mcp").statusCode());
        assertEquals(400, post(PING, Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "1999-01-01"))
                .statusCode());
        assertEquals(-32700, error(post("{\"jsonrpc\": ", headers), 400));
        assertEquals(-32600, error(post("[" + PING + "]", headers), 400));
        assertEquals(-32601, error(post("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"resources/list\"}", headers), 200));
        assertEquals(-32602, error(post(call("no_such_tool", "{}"), headers), 200));
        Response missingCode = post(call("execute_python", "{\"timeout\": 1}"), headers);
        assertTrue(missingCode.jsonPath().getBoolean("result.isError"), missingCode::asString);
        assertTrue(missingCode.jsonPath().getString("result.content[0].text").contains("'code' is required"),
                missingCode::asString);
        Response badTimeout = post(call("execute_python", "{\"code\": \"1\", \"timeout\": 0}"), headers);
        assertTrue(badTimeout.jsonPath().getString("result.content[0].text").contains("'timeout' must be"),
                badTimeout::asString);
        for (String arguments : List.of("execute_python {\"code\": \"1\", \"contextId\": 42}",
                "reset_python {\"contextId\": \"\"}", "close_python {\"contextId\": [\"c-1\"]}")) {
            String[] toolAndArguments = arguments.split(" ", 2);
            Response badId = post(call(toolAndArguments[0], toolAndArguments[1]), headers);
            assertTrue(badId.jsonPath().getBoolean("result.isError"), badId::asString);
            assertTrue(badId.jsonPath().getString("result.content[0].text")
                    .contains("argument 'contextId' must be the id of a context, a string"), badId::asString);
        }
        assertEquals(204, daemon.request().header("Mcp-Session-Id", session).delete("/mcp").statusCode());
    }

    private static JsonNode run(List<Map<String, Object>> steps) {
        return McpClient.run(url(daemon), Map.of(), steps);
    }

    private static String url(TestDaemon target) {
        return "http://127.0.0.1:" + target.port() + "/mcp";
    }

    private static String initialize(String version) {
        return "{\"jsonrpc\": \"2.0\", \"id\": 0, \"method\": \"initialize\", \"params\": {\"protocolVersion\": \""
                + version + "\", \"capabilities\": {}, \"clientInfo\": {\"name\": \"test\", \"version\": \"1\"}}}";
    }

    private static String call(String tool, String arguments) {
        return "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"tools/call\", \"params\": {\"name\": \"" + tool
                + "\", \"arguments\": " + arguments + "}}";
    }

    private static Response post(String body, Map<String, String> headers) {
        return daemon.request().headers(headers).contentType(ContentType.JSON).body(body).post("/mcp");
    }

    /** The JSON-RPC error code of an answer with this HTTP status. */
    private static int error(Response response, int status) {
        assertEquals(status, response.statusCode(), response::asString);
        return response.jsonPath().getInt("error.code");
    }
}
