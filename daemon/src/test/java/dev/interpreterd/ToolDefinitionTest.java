package dev.interpreterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.config.Config;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool definition of docs/tool-definition.md takes the arguments of the daemon's own MCP tool, and
 * the doc's Python client turns a real daemon's answers into the text the doc says the model gets.
 */
class ToolDefinitionTest {

    private static final Path DOC = Path.of("../docs/tool-definition.md");
    private static final Pattern FENCED_BLOCK = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);
    /** The caret and tilde lines under a traceback's source line, which only some Python versions print. */
    private static final Pattern MARKER_LINE = Pattern.compile("(?m)^\\s*[~^]+\\s*\\n");
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Runs one tool call through the doc's client and prints the tool result and the client's cap. */
    private static final String DRIVER = """
            import json, sys
            import tool_client
            answer = tool_client.execute_python(**json.loads(sys.argv[1]))
            print(json.dumps({"maxChars": tool_client.MAX_CHARS, "text": tool_client.to_tool_result(answer)}))
            """;
    /** Makes a context with the doc's client, runs each piece of code given in it as tool calls, deletes it. */
    private static final String CONTEXT_DRIVER = """
            import json, sys
            import tool_client
            context = tool_client.create_context()
            texts = [tool_client.to_tool_result(tool_client.execute_python(code=code, contextId=context))
                     for code in json.loads(sys.argv[1])]
            tool_client.delete_context(context)
            print(json.dumps({"texts": texts}))
            """;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();
    @TempDir
    static Path clientDir;

    @BeforeAll
    static void write_the_client() throws IOException {
        Files.writeString(clientDir.resolve("tool_client.py"), onlyBlock(Files.readString(DOC), "python"));
        Files.writeString(clientDir.resolve("driver.py"), DRIVER);
        Files.writeString(clientDir.resolve("context_driver.py"), CONTEXT_DRIVER);
    }

    @Test
    void the_docs_tool_takes_the_arguments_of_the_daemons_own_mcp_tool() throws IOException {
        JsonNode tool = JSON.readTree(toolDefinition(Files.readString(DOC)));
        assertEquals("execute_python", tool.path("name").asText());
        assertEquals("[\"code\"]", tool.at("/input_schema/required").toString());
        JsonNode own = mcpTool(tool.path("name").asText()).path("inputSchema");
        JsonNode doc = tool.path("input_schema");
        assertEquals(own.path("required"), doc.path("required"));
        assertEquals(own.path("additionalProperties"), doc.path("additionalProperties"));
        assertEquals(fieldNames(own.path("properties")), fieldNames(doc.path("properties")));
        for (String argument : fieldNames(doc.path("properties"))) {
            JsonNode ours = own.path("properties").path(argument);
            JsonNode shown = doc.path("properties").path(argument);
            for (String bound : List.of("type", "exclusiveMinimum", "maximum")) {
                assertEquals(ours.path(bound), shown.path(bound), argument + "." + bound);
            }
        }
    }

    @Test
    void the_tool_allows_the_longest_timeout_the_daemon_allows_and_no_longer() throws IOException {
        JsonNode timeout = JSON.readTree(toolDefinition(Files.readString(DOC))).at("/input_schema/properties/timeout");
        double maximum = timeout.path("maximum").asDouble();
        assertEquals(Config.defaults().maxTimeout().toSeconds(), maximum, timeout::toString);
        assertEquals(200, execute(Map.of("code", "print(1)", "timeout", maximum)));
        assertEquals(400, execute(Map.of("code", "print(1)", "timeout", maximum + 1)));
    }

    @Test
    void the_client_hands_the_model_the_value_of_the_last_expression() throws Exception {
        assertEquals("status: ok\nresults:\n42", toolResult(Map.of("code", "6 * 7")).path("text").asText());
    }

    @Test
    void the_client_says_that_an_image_was_produced_without_its_base64() throws Exception {
        String text = toolResult(Map.of("code", """
                class Plot:
                    def _repr_png_(self):
                        return b'\\x89PNG\\r\\n\\x1a\\n'
                display(Plot())
                """)).path("text").asText();
        assertTrue(text.contains("[image/png produced]"), text);
        assertFalse(text.contains("iVBORw0KGgo"), text);
    }

    @Test
    void the_client_cuts_long_output_to_its_cap_and_says_how_much_it_cut() throws Exception {
        int printed = 100_000;
        JsonNode result = toolResult(Map.of("code", "print('x' * " + printed + ")"));
        int cap = result.path("maxChars").asInt();
        String text = result.path("text").asText();
        assertTrue(cap > 0 && cap < printed, "MAX_CHARS is " + cap);
        assertTrue(text.length() < cap + 100, "the model gets " + text.length() + " characters");
        assertTrue(text.contains("[... " + (printed - cap) + " characters cut ...]"), text);
    }

    @Test
    void the_client_hands_back_a_refused_request_with_its_reason() throws Exception {
        assertEquals("request refused (invalid_request): field 'code' must be a string, not a number",
                toolResult(Map.of("code", 42)).path("text").asText());
    }

    @Test
    void the_client_passes_contextId_through_so_that_calls_in_a_context_keep_variables() throws Exception {
        JsonNode contextId = JSON.readTree(toolDefinition(Files.readString(DOC))).at("/input_schema/properties/contextId");
        assertEquals("string", contextId.path("type").asText(), contextId::toString);
        Requires.contexts(daemon);
        JsonNode texts = runClient("context_driver.py",
                List.of("x = 41", "print(x + 1)", "import os\nos._exit(3)", "print(x)")).path("texts");
        assertEquals("status: ok\nstdout:\n42", texts.path(1).asText());
        assertTrue(texts.path(2).asText().startsWith(
                "status: exit (exit code 3)\n[the context was restarted: what earlier calls defined is gone]"), texts::toString);
        assertTrue(texts.path(3).asText().endsWith("NameError: name 'x' is not defined"), texts::toString);
    }

    @Test
    void the_worked_example_gives_the_tool_result_the_doc_shows() throws Exception {
        String doc = Files.readString(DOC);
        JsonNode call = JSON.readTree(blocks(doc, "json").stream().filter(b -> b.contains("\"tool_use\"")).findFirst()
                .orElseThrow(() -> new AssertionError("the doc has no tool_use block")));
        String text = toolResult(JSON.convertValue(call.get("input"), Map.class)).path("text").asText();
        assertEquals(MARKER_LINE.matcher(onlyBlock(doc, "text")).replaceAll("").strip(),
                MARKER_LINE.matcher(text + "\n").replaceAll("").strip());
    }

    /** The tool {@code name} as the daemon lists it at {@code /mcp}, asked in one modern request. */
    private static JsonNode mcpTool(String name) throws IOException {
        String version = "2026-07-28";
        String list = "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/list\", \"params\": {\"_meta\": {"
                + "\"io.modelcontextprotocol/protocolVersion\": \"" + version + "\","
                + " \"io.modelcontextprotocol/clientCapabilities\": {},"
                + " \"io.modelcontextprotocol/clientInfo\": {\"name\": \"tool-definition-test\", \"version\": \"1\"}}}}";
        String answer = daemon.request().contentType(ContentType.JSON).accept(ContentType.JSON)
                .header("MCP-Protocol-Version", version).header("Mcp-Method", "tools/list").body(list)
                .post("/mcp").then().statusCode(200).extract().asString();
        for (JsonNode tool : JSON.readTree(answer).at("/result/tools")) {
            if (tool.path("name").asText().equals(name)) {
                return tool;
            }
        }
        throw new AssertionError("the daemon lists no tool " + name + ": " + answer);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        Collections.sort(names);
        return names;
    }

    /** The one JSON block of {@code markdown} that holds a tool definition with an input schema. */
    private static String toolDefinition(String markdown) {
        List<String> tools = blocks(markdown, "json").stream().filter(b -> b.contains("\"input_schema\"")).toList();
        assertEquals(1, tools.size(), "tool definitions with an input_schema: " + tools);
        return tools.get(0);
    }

    private static String onlyBlock(String markdown, String language) {
        List<String> found = blocks(markdown, language);
        assertEquals(1, found.size(), language + " blocks: " + found);
        return found.get(0);
    }

    private static List<String> blocks(String markdown, String language) {
        Matcher matcher = FENCED_BLOCK.matcher(markdown);
        return matcher.results().filter(m -> m.group(1).equals(language)).map(m -> m.group(2)).toList();
    }

    private static int execute(Map<String, Object> body) {
        return daemon.request().contentType(ContentType.JSON).body(body).post("/process/interpreter/execute")
                .statusCode();
    }

    /** Runs the doc's client on one tool input against the test daemon. */
    private static JsonNode toolResult(Map<?, ?> toolInput) throws IOException, InterruptedException {
        return runClient("driver.py", toolInput);
    }

    /** Runs a driver of the doc's client with its one argument as JSON against the test daemon; its output as JSON. */
    private static JsonNode runClient(String driver, Object argument) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(TestDaemon.PYTHON, driver, JSON.writeValueAsString(argument))
                .directory(clientDir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("INTERPRETERD_URL", "http://127.0.0.1:" + daemon.port());
        builder.environment().remove("INTERPRETERD_TOKEN");
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process client = builder.start();
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(client.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the client did not finish");
        assertEquals(0, client.exitValue(), output);
        return JSON.readTree(output);
    }
}
