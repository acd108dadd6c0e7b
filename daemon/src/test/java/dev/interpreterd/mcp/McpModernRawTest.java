package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /mcp} in MCP's modern era (2026-07-28) spoken in plain HTTP, for what a conforming client
 * never sends: each request carries its envelope in {@code params._meta} and mirrors it in headers,
 * without {@code initialize} or a session. Checks the stamping of results, state kept by
 * {@code contextId}, the SSE answer to a call, every refusal with its status, code and the request's
 * id, and that the legacy handshake still works beside it.
 */
class McpModernRawTest {

    private static final String VERSION = "2026-07-28";
    private static final String SERVER_INFO = "io.modelcontextprotocol/serverInfo";
    private static final Pattern FRESH = Pattern.compile("call again with contextId (\\S+),");
    private static final Pattern UUID_FORMAT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger(100);

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @Test
    void server_discover_offers_the_modern_version_the_tools_and_instructions_in_a_cacheable_result() {
        JsonNode result = answered(post(request("server/discover"), headers("server/discover")));
        assertEquals(List.of(VERSION), strings(result.path("supportedVersions")), result::toString);
        assertTrue(result.at("/capabilities/tools").isObject(), result::toString);
        assertTrue(result.path("instructions").asText().contains("execute_python"), result::toString);
        assertCacheable(result);
    }

    @Test
    void tools_list_shows_the_three_tools_with_an_output_schema_and_the_context_id_header() {
        JsonNode result = answered(post(request("tools/list"), headers("tools/list")));
        assertCacheable(result);
        List<String> names = new ArrayList<>();
        result.path("tools").forEach(tool -> names.add(tool.path("name").asText()));
        assertEquals(List.of("execute_python", "reset_python", "close_python"), names, result::toString);
        JsonNode execute = result.at("/tools/0");
        assertEquals("object", execute.at("/outputSchema/type").asText(), execute::toString);
        List<String> required = strings(execute.at("/outputSchema/required"));
        assertTrue(required.contains("contextId") && required.contains("status"), required::toString);
        assertEquals("ContextId", execute.at("/inputSchema/properties/contextId/x-mcp-header").asText(),
                execute::toString);
    }

    @Test
    void a_call_without_a_context_id_gets_a_new_interpreter_and_a_call_naming_it_keeps_its_state() {
        JsonNode first = answered(post(execute("x = 41", null), callHeaders(null)));
        assertEquals("complete", first.path("resultType").asText(), first::toString);
        assertEquals("interpreterd", first.path("_meta").path(SERVER_INFO).path("name").asText(), first::toString);
        String contextId = first.at("/structuredContent/contextId").asText();
        assertTrue(UUID_FORMAT.matcher(contextId).matches(), first::toString);
        assertEquals("contextId: " + contextId, first.at("/content/0/text").asText().split("\n")[0]);
        JsonNode second = answered(post(execute("print(x + 1)", contextId), callHeaders(contextId)));
        assertFalse(second.path("isError").asBoolean(), second::toString);
        assertEquals(contextId, second.at("/structuredContent/contextId").asText(), second::toString);
        assertEquals("42\n", second.at("/structuredContent/stdout").asText(), second::toString);
    }

    @Test
    void a_call_from_a_client_that_takes_sse_is_answered_as_a_stream_that_ends_with_its_response() {
        ObjectNode call = execute("print('streamed')", null);
        Response response = daemon.request().contentType(ContentType.JSON).accept(RawMcp.BOTH)
                .headers(callHeaders(null)).body(call.toString()).post("/mcp");
        assertEquals(200, response.statusCode(), response::asString);
        assertTrue(response.contentType().startsWith("text/event-stream"), response.contentType());
        List<JsonNode> messages = new ArrayList<>();
        for (String event : response.asString().split("\n\n")) {
            List<String> lines = event.lines().filter(line -> !line.startsWith(":")).toList();
            if (!lines.isEmpty()) {
                assertEquals(2, lines.size(), event);
                assertEquals("event: message", lines.get(0), event);
                assertTrue(lines.get(1).startsWith("data: "), event);
                messages.add(parse(lines.get(1).substring("data: ".length())));
            }
        }
        JsonNode last = messages.get(messages.size() - 1);
        assertEquals(call.get("id"), last.get("id"), last::toString);
        assertEquals("streamed\n", last.at("/result/structuredContent/stdout").asText(), last::toString);
        assertEquals("complete", last.at("/result/resultType").asText(), last::toString);
    }

    @Test
    void a_version_this_server_does_not_speak_is_refused_with_the_versions_it_does() {
        ObjectNode discover = request("server/discover");
        ((ObjectNode) discover.at("/params/_meta")).put("io.modelcontextprotocol/protocolVersion", "2099-01-01");
        JsonNode error = refused(discover, with(headers("server/discover"), "MCP-Protocol-Version", "2099-01-01"),
                400, -32022);
        assertEquals(List.of(VERSION, "2025-11-25", "2025-06-18"), strings(error.at("/data/supported")),
                error::toString);
        assertEquals("2099-01-01", error.at("/data/requested").asText(), error::toString);
    }

    @Test
    void a_version_or_method_header_that_contradicts_the_body_or_is_missing_is_a_header_mismatch() {
        JsonNode error = refused(request("tools/list"), with(headers("tools/list"), "MCP-Protocol-Version",
                "2025-11-25"), 400, -32020);
        assertEquals("2025-11-25", error.at("/data/mismatch/header").asText(), error::toString);
        refused(request("tools/list"), headers("server/discover"), 400, -32020);
        refused(request("tools/list"), with(headers("tools/list"), "MCP-Protocol-Version", null), 400, -32020);
        refused(request("tools/list"), with(headers("tools/list"), "Mcp-Method", null), 400, -32020);
    }

    @Test
    void mcp_name_must_name_the_called_tool_as_it_is_or_base64_encoded() {
        String contextId = newInterpreter();
        refused(execute("1", contextId), with(callHeaders(contextId), "Mcp-Name", null), 400, -32020);
        refused(execute("1", contextId), with(callHeaders(contextId), "Mcp-Name", "reset_python"), 400, -32020);
        JsonNode result = answered(post(execute("1", contextId),
                with(callHeaders(contextId), "Mcp-Name", base64("execute_python"))));
        assertFalse(result.path("isError").asBoolean(), result::toString);
    }

    @Test
    void mcp_param_context_id_must_mirror_the_argument_as_it_is_or_base64_encoded() {
        String contextId = newInterpreter();
        refused(execute("1", contextId), callHeaders(null), 400, -32020);
        refused(execute("1", contextId), callHeaders("other-" + contextId), 400, -32020);
        refused(execute("1", contextId), with(callHeaders(contextId), "Mcp-Param-ContextId", "=?base64?***?="),
                400, -32020);
        JsonNode result = answered(post(execute("1", contextId),
                with(callHeaders(contextId), "Mcp-Param-ContextId", base64(contextId))));
        assertEquals(contextId, result.at("/structuredContent/contextId").asText(), result::toString);
    }

    @Test
    void a_method_the_modern_era_lacks_is_404_method_not_found() {
        refused(request("resources/list"), headers("resources/list"), 404, -32601);
        refused(request("ping"), headers("ping"), 404, -32601);
    }

    @Test
    void an_envelope_without_client_capabilities_or_a_modern_header_without_an_envelope_is_invalid_params() {
        ObjectNode incomplete = request("tools/list");
        ((ObjectNode) incomplete.at("/params/_meta")).remove("io.modelcontextprotocol/clientCapabilities");
        JsonNode error = refused(incomplete, headers("tools/list"), 400, -32602);
        assertTrue(error.path("message").asText().contains("io.modelcontextprotocol/clientCapabilities"),
                error::toString);
        ObjectNode bare = request("tools/list");
        bare.remove("params");
        refused(bare, headers("tools/list"), 400, -32602);
    }

    @Test
    void initialize_with_the_modern_version_header_is_a_header_mismatch() {
        ObjectNode initialize = request("initialize");
        initialize.putObject("params").put("protocolVersion", "2025-11-25").putObject("capabilities");
        refused(initialize, headers("initialize"), 400, -32020);
    }

    @Test
    void a_modern_notification_is_accepted_with_202() {
        ObjectNode notification = request("notifications/initialized");
        notification.remove("id");
        assertEquals(202, post(notification, headers("notifications/initialized")).statusCode());
    }

    @Test
    void a_context_id_that_names_no_interpreter_runs_nothing_and_names_a_fresh_one_that_works() {
        JsonNode gone = answered(post(execute("print('ran')", "no-such-interpreter"),
                callHeaders("no-such-interpreter")));
        assertTrue(gone.path("isError").asBoolean(), gone::toString);
        assertTrue(gone.path("structuredContent").isMissingNode(), gone::toString);
        String text = gone.at("/content/0/text").asText();
        assertTrue(text.contains("the code did not run") && text.contains("no-such-interpreter"), text);
        Matcher fresh = FRESH.matcher(text);
        assertTrue(fresh.find() && UUID_FORMAT.matcher(fresh.group(1)).matches(), text);
        JsonNode ran = answered(post(execute("print('ran')", fresh.group(1)), callHeaders(fresh.group(1))));
        assertFalse(ran.path("isError").asBoolean(), ran::toString);
        assertEquals(fresh.group(1), ran.at("/structuredContent/contextId").asText(), ran::toString);
    }

    @Test
    void the_legacy_handshake_still_opens_a_session_beside_the_modern_era() {
        ObjectNode initialize = request("initialize");
        initialize.putObject("params").put("protocolVersion", "2025-11-25").putObject("capabilities");
        Response opened = post(initialize, Map.of());
        assertEquals(200, opened.statusCode(), opened::asString);
        assertEquals("2025-11-25", parse(opened.asString()).at("/result/protocolVersion").asText());
        String session = opened.header("Mcp-Session-Id");
        assertTrue(session != null && !session.isEmpty(), opened.headers()::toString);
        assertEquals(204, daemon.request().header("Mcp-Session-Id", session).delete("/mcp").statusCode());
    }

    /** A request with a fresh id whose params carry only the envelope. */
    private static ObjectNode request(String method) {
        ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", IDS.incrementAndGet())
                .put("method", method);
        ObjectNode meta = request.putObject("params").putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", VERSION);
        meta.putObject("io.modelcontextprotocol/clientCapabilities");
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "raw").put("version", "1");
        return request;
    }

    /** A {@code tools/call} of execute_python, in the interpreter {@code contextId} names or, if null, a new one. */
    private static ObjectNode execute(String code, String contextId) {
        ObjectNode call = request("tools/call");
        ObjectNode params = (ObjectNode) call.get("params");
        ObjectNode arguments = params.put("name", "execute_python").putObject("arguments").put("code", code);
        if (contextId != null) {
            arguments.put("contextId", contextId);
        }
        return call;
    }

    private static Map<String, String> headers(String method) {
        Map<String, String> headers = new HashMap<>();
        headers.put("MCP-Protocol-Version", VERSION);
        headers.put("Mcp-Method", method);
        return headers;
    }

    private static Map<String, String> callHeaders(String contextId) {
        Map<String, String> headers = headers("tools/call");
        headers.put("Mcp-Name", "execute_python");
        if (contextId != null) {
            headers.put("Mcp-Param-ContextId", contextId);
        }
        return headers;
    }

    /** The headers with {@code name} set to {@code value}, or left out when it is null. */
    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        if (value == null) {
            headers.remove(name);
        } else {
            headers.put(name, value);
        }
        return headers;
    }

    /** POSTs a message from a client that takes JSON only. */
    private static Response post(ObjectNode message, Map<String, String> headers) {
        return daemon.request().contentType(ContentType.JSON).accept(ContentType.JSON).headers(headers)
                .body(message.toString()).post("/mcp");
    }

    /** The result of a request answered with 200 JSON. */
    private static JsonNode answered(Response response) {
        assertEquals(200, response.statusCode(), response::asString);
        assertTrue(response.contentType().startsWith("application/json"), response.contentType());
        JsonNode result = parse(response.asString()).path("result");
        assertTrue(result.isObject(), response::asString);
        return result;
    }

    /** Posts a request that must be refused, and returns its error, which carries the request's id. */
    private static JsonNode refused(ObjectNode request, Map<String, String> headers, int status, int code) {
        Response response = post(request, headers);
        assertEquals(status, response.statusCode(), response::asString);
        JsonNode answer = parse(response.asString());
        assertEquals(request.get("id"), answer.get("id"), answer::toString);
        assertEquals(code, answer.at("/error/code").asInt(), answer::toString);
        return answer.path("error");
    }

    private static void assertCacheable(JsonNode result) {
        assertEquals("complete", result.path("resultType").asText(), result::toString);
        assertTrue(result.path("ttlMs").isIntegralNumber() && result.path("ttlMs").asLong() >= 0, result::toString);
        assertEquals("private", result.path("cacheScope").asText(), result::toString);
        assertEquals("interpreterd", result.path("_meta").path(SERVER_INFO).path("name").asText(), result::toString);
    }

    private static String newInterpreter() {
        return answered(post(execute("pass", null), callHeaders(null))).at("/structuredContent/contextId").asText();
    }

    private static String base64(String value) {
        return "=?base64?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
