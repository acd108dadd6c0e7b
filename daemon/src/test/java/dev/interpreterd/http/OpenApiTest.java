package dev.interpreterd.http;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.interpreterd.OpenApiDocument;
import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.http.HttpApi;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon's real answers and streamed frames match the schemas of {@code openapi.yaml}, and every
 * property, frame type and method the document lists shows up in a real answer, so that neither can
 * drift from the other.
 */
class OpenApiTest {

    private static final Path DOCUMENT = Path.of("../openapi.yaml");
    private static final String EXECUTE = "/paths/~1process~1interpreter~1execute/post";
    private static final String HEALTH = "/paths/~1health/get";
    private static final String CONTEXTS = "/paths/~1process~1interpreter~1context";
    private static final String CONTEXT = CONTEXTS + "~1{id}";
    private static final String RESTART = CONTEXT + "~1restart/post";
    private static final String CONTEXT_PATH = "/process/interpreter/context";
    /** Stands for {@code {id}} in the paths of the document: a context that never existed. */
    private static final String UNKNOWN_CONTEXT = "no-such-context";
    private static final String MAX_BODY = "4KiB";
    /** Short, so that a keepalive frame comes within a test. */
    private static final String KEEPALIVE_SECONDS = "0.2";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final String JSON_TYPE = "application/json";
    private static final String NDJSON_TYPE = "application/x-ndjson";
    /** Code that ends with each status, one with results and stderr, and one silent long enough for keepalives. */
    private static final Map<String, Case> CASES = Map.of(
            "ok", new Case("ok", Map.of("code", "import sys\nprint('out')\nprint('err', file=sys.stderr)")),
            "error", new Case("error", Map.of("code", "def f():\n    return 1 / 0\nf()")),
            "exit", new Case("exit", Map.of("code", "import sys\nsys.exit(3)")),
            "interrupted", new Case("interrupted",
                    Map.of("code", "import time\nprint('started', flush=True)\ntime.sleep(30)", "timeout", 0.3)),
            "killed", new Case("killed", Map.of("code", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")),
            "results", new Case("ok", Map.of("code", "import sys\nprint('err', file=sys.stderr)\ndisplay('shown')\n6 * 7")),
            "silent", new Case("ok", Map.of("code", "import time\ntime.sleep(0.7)")));

    private static OpenApiDocument document;
    private static TestDaemon daemon;
    private static final Map<String, JsonNode> answers = new ConcurrentHashMap<>();
    private static final Map<String, List<JsonNode>> streams = new ConcurrentHashMap<>();
    private static final Map<String, JsonNode> contextLife = new ConcurrentHashMap<>();

    /** A request and the status it ends with. */
    private record Case(String status, Map<String, Object> body) {
    }

    @BeforeAll
    static void start() throws IOException {
        document = OpenApiDocument.read(DOCUMENT);
        daemon = TestDaemon.start("--max-body", MAX_BODY, "--keepalive", KEEPALIVE_SECONDS);
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ok", "error", "exit", "interrupted", "killed"})
    void answer_of_each_status_matches_the_result_schema(String status) {
        JsonNode answer = answer(status);
        assertEquals(status, answer.path("status").asText(), answer::toString);
        expectValid(EXECUTE + "/responses/200", answer);
    }

    @Test
    void every_result_property_the_document_lists_is_in_a_real_answer() {
        List<JsonNode> real = CASES.keySet().stream().map(OpenApiTest::answer).toList();
        assertEquals(List.of(), document.missingProperties(document.schema(EXECUTE + "/responses/200", JSON_TYPE),
                real, "result"), "properties in openapi.yaml that no real answer has");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ok", "error", "exit", "interrupted", "killed", "results", "silent"})
    void every_streamed_frame_matches_the_frame_schema(String name) {
        List<JsonNode> frames = stream(name);
        assertEquals("start", type(frames.get(0)), frames::toString);
        JsonNode end = frames.get(frames.size() - 1);
        assertEquals("end", type(end), frames::toString);
        assertEquals(CASES.get(name).status(), end.path("status").asText(), end::toString);
        JsonNode schema = document.schema(EXECUTE + "/responses/200", NDJSON_TYPE);
        for (int i = 0; i < frames.size(); i++) {
            assertEquals(List.of(), document.check(schema, frames.get(i)), "frame " + i + " " + frames.get(i));
        }
    }

    @Test
    void every_frame_type_and_property_the_document_lists_is_in_a_real_stream() {
        List<JsonNode> real = CASES.keySet().stream().flatMap(name -> stream(name).stream()).toList();
        JsonNode frame = document.resolve(document.schema(EXECUTE + "/responses/200", NDJSON_TYPE));
        Set<String> documented = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (JsonNode branch : frame.path("oneOf")) {
            String type = document.resolve(branch).at("/properties/type/const").asText();
            documented.add(type);
            List<JsonNode> ofType = real.stream().filter(f -> type(f).equals(type)).toList();
            missing.addAll(document.missingProperties(branch, ofType, "frame " + type));
        }
        Set<String> mapped = new TreeSet<>();
        frame.at("/discriminator/mapping").fieldNames().forEachRemaining(mapped::add);
        assertEquals(documented, mapped, "frame types of oneOf and of the discriminator's mapping");
        assertEquals(documented, real.stream().map(OpenApiTest::type).collect(Collectors.toCollection(TreeSet::new)),
                "frame types in openapi.yaml and in real streams");
        assertEquals(List.of(), missing, "frame properties in openapi.yaml that no real frame has");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    void every_method_the_document_lists_is_served_and_no_other(String method) {
        for (Map.Entry<String, JsonNode> path : document.root().get("paths").properties()) {
            // HEAD too: a GET route without a HEAD route of its own would get Javalin's blanket 200.
            JsonNode operation = path.getValue().path(method.toLowerCase(Locale.ROOT));
            int status = daemon.request().request(method, path.getKey().replace("{id}", UNKNOWN_CONTEXT)).statusCode();
            if (operation.isMissingNode()) {
                assertEquals(405, status, method + " " + path.getKey() + " is not in openapi.yaml");
            } else {
                assertTrue(operation.path("responses").has(Integer.toString(status)),
                        method + " " + path.getKey() + " answered " + status + ", which openapi.yaml does not list");
            }
        }
    }

    @Test
    void health_matches_its_schema_and_lists_every_property() {
        Response health = daemon.request().get("/health");
        assertEquals(200, health.statusCode());
        expectValid(HEALTH + "/responses/200", body(health));
        assertEquals(List.of(), document.missingProperties(document.schema(HEALTH + "/responses/200", JSON_TYPE),
                List.of(body(health)), "health"), "properties in openapi.yaml that /health lacks");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"code\": 42}", "{\"code\": ", "{\"code\": \"1\", \"timout\": 1}", "[]",
            "{\"code\": \"1\", \"contextId\": \"x\", \"cwd\": \"/tmp\"}"})
    void bad_request_matches_the_error_schema(String body) {
        expectError(EXECUTE + "/responses/400", post(daemon, body), 400);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"language\": \"r\"}", "{\"cwd\": 42}", "{\"nope\": 1}", "[]", "{\"cwd\": "})
    void bad_context_request_matches_the_error_schema(String body) {
        expectError(CONTEXTS + "/post/responses/400",
                daemon.request().contentType(ContentType.JSON).body(body).post(CONTEXT_PATH), 400);
    }

    @Test
    void every_answer_of_a_context_s_life_matches_its_schema() {
        Map<String, String> schemas = Map.of("create", CONTEXTS + "/post/responses/200",
                "get", CONTEXT + "/get/responses/200", "list", CONTEXTS + "/get/responses/200",
                "define", EXECUTE + "/responses/200", "use", EXECUTE + "/responses/200",
                "restart", RESTART + "/responses/200", "afterRestart", EXECUTE + "/responses/200");
        Map<String, JsonNode> life = contextLife();
        schemas.forEach((step, pointer) -> expectValid(pointer, life.get(step)));
        JsonNode frame = document.schema(EXECUTE + "/responses/200", NDJSON_TYPE);
        for (JsonNode streamed : life.get("stream")) {
            assertEquals(List.of(), document.check(frame, streamed), streamed::toString);
        }
    }

    @Test
    void a_context_keeps_its_state_until_it_is_restarted_and_every_answer_names_it() {
        Map<String, JsonNode> life = contextLife();
        String id = life.get("create").path("id").asText();
        assertEquals("42\n", life.get("use").path("stdout").asText(), life.get("use")::toString);
        assertEquals("error", life.get("afterRestart").path("status").asText(), life.get("afterRestart")::toString);
        for (String step : List.of("get", "restart")) {
            assertEquals(id, life.get(step).path("id").asText(), step);
        }
        for (String step : List.of("define", "use", "afterRestart")) {
            assertEquals(id, life.get(step).path("contextId").asText(), step);
            assertFalse(life.get(step).path("contextRestarted").asBoolean(true), step);
        }
        JsonNode end = life.get("stream").get(life.get("stream").size() - 1);
        assertEquals(id, end.path("contextId").asText(), end::toString);
        assertTrue(life.get("list").path("contexts").findValuesAsText("id").contains(id), life.get("list")::toString);
    }

    @Test
    void every_context_property_the_document_lists_is_in_a_real_answer() {
        Map<String, JsonNode> life = contextLife();
        List<String> missing = new ArrayList<>();
        missing.addAll(document.missingProperties(document.schema(CONTEXTS + "/post/responses/200", JSON_TYPE),
                List.of(life.get("create"), life.get("get"), life.get("restart")), "context"));
        missing.addAll(document.missingProperties(document.schema(CONTEXTS + "/get/responses/200", JSON_TYPE),
                List.of(life.get("list")), "list"));
        missing.addAll(document.missingProperties(document.schema(EXECUTE + "/responses/200", JSON_TYPE),
                List.of(life.get("define"), life.get("use"), life.get("afterRestart")), "result in a context"));
        assertEquals(List.of(), missing, "properties in openapi.yaml that no real answer about a context has");
    }

    @Test
    void a_deleted_context_answers_404_as_documented() {
        Requires.contexts(daemon);
        Response created = daemon.request().post(CONTEXT_PATH);
        assertEquals(200, created.statusCode(), created::asString);
        String id = body(created).path("id").asText();
        String path = CONTEXT_PATH + "/" + id;
        Response deleted = daemon.request().delete(path);
        assertEquals(204, deleted.statusCode(), deleted::asString);
        assertEquals("", deleted.asString());
        expectError(CONTEXT + "/get/responses/404", daemon.request().get(path), 404);
        expectError(CONTEXT + "/delete/responses/404", daemon.request().delete(path), 404);
        expectError(RESTART + "/responses/404", daemon.request().post(path + "/restart"), 404);
        expectError(EXECUTE + "/responses/404", inContext(id, "print(1)"), 404);
    }

    @Test
    void too_many_contexts_matches_the_error_schema() {
        Requires.contexts(daemon);
        try (TestDaemon none = TestDaemon.start("--max-contexts", "0")) {
            Response refused = none.request().post(CONTEXT_PATH);
            expectError(CONTEXTS + "/post/responses/503", refused, 503);
            assertEquals("too_many_contexts", body(refused).path("error").asText());
        }
    }

    @Test
    void unauthorized_matches_the_error_schema_and_its_headers() {
        try (TestDaemon guarded = TestDaemon.start("--token", "s3cret")) {
            expectError(EXECUTE + "/responses/401", post(guarded, "{\"code\": \"print(1)\"}"), 401);
        }
    }

    @Test
    void not_found_matches_the_error_schema() {
        expectError("/components/responses/NotFound", daemon.request().get("/nope"), 404);
    }

    @Test
    void method_not_allowed_matches_the_error_schema() {
        expectError("/components/responses/MethodNotAllowed", daemon.request().get(HttpApi.EXECUTE_PATH), 405);
    }

    @Test
    void body_too_large_matches_the_error_schema() {
        String code = "#" + "x".repeat(8 * 1024);
        expectError(EXECUTE + "/responses/413", post(daemon, "{\"code\": \"" + code + "\"}"), 413);
    }

    @Test
    void busy_matches_the_error_schema_and_its_retry_after_header() throws Exception {
        try (TestDaemon busy = TestDaemon.start("--max-concurrent", "1", "--queue", "0")) {
            CompletableFuture<Response> sleeper = CompletableFuture.supplyAsync(
                    () -> post(busy, "{\"code\": \"import time\\ntime.sleep(30)\", \"timeout\": 2}"));
            awaitRunning(busy);
            expectError(EXECUTE + "/responses/503", post(busy, "{\"code\": \"print(1)\"}"), 503);
            assertEquals(200, sleeper.get().statusCode());
        }
    }

    @Test
    void every_example_in_the_document_matches_its_schema() {
        assertEquals(List.of(), document.problemsOfExamples());
    }

    /** The plain answer to a case, run once per test run. */
    private static JsonNode answer(String name) {
        return answers.computeIfAbsent(name, n -> {
            Response response = daemon.request().contentType(ContentType.JSON).body(CASES.get(n).body())
                    .post(HttpApi.EXECUTE_PATH);
            assertEquals(200, response.statusCode(), response::asString);
            return body(response);
        });
    }

    /** The frames of a case's streaming answer, run once per test run. */
    private static List<JsonNode> stream(String name) {
        return streams.computeIfAbsent(name, n -> streamOf(CASES.get(n).body()));
    }

    /** The frames of the streaming answer to an execute request. */
    private static List<JsonNode> streamOf(Map<String, Object> body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + daemon.port() + HttpApi.EXECUTE_PATH))
                    .header("Accept", NDJSON_TYPE).timeout(STREAM_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
            HttpResponse<Stream<String>> response = HttpClient.newHttpClient()
                    .send(request, HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            assertEquals(NDJSON_TYPE, response.headers().firstValue("Content-Type").orElse(""));
            return response.body().map(OpenApiTest::parse).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while streaming " + body, e);
        }
    }

    /**
     * One context's life, run once per test run: made, shown, listed, given {@code x = 41}, asked for
     * {@code x + 1} plainly and streamed, restarted and asked for {@code x} again; each answer by step,
     * its status checked. The context is deleted at the end.
     */
    private static synchronized Map<String, JsonNode> contextLife() {
        if (!contextLife.isEmpty()) {
            return contextLife;
        }
        Requires.contexts(daemon);
        JsonNode created = expect200(daemon.request().contentType(ContentType.JSON).body("{\"cwd\": \"/tmp\"}")
                .post(CONTEXT_PATH));
        String id = created.path("id").asText();
        String path = CONTEXT_PATH + "/" + id;
        Map<String, JsonNode> life = new HashMap<>(Map.of("create", created));
        life.put("get", expect200(daemon.request().get(path)));
        life.put("list", expect200(daemon.request().get(CONTEXT_PATH)));
        life.put("define", expect200(inContext(id, "x = 41")));
        life.put("use", expect200(inContext(id, "print(x + 1)")));
        List<JsonNode> frames = streamOf(Map.of("code", "print(x + 1)", "contextId", id));
        life.put("restart", expect200(daemon.request().post(path + "/restart")));
        life.put("afterRestart", expect200(inContext(id, "print(x)")));
        assertEquals(204, daemon.request().delete(path).statusCode());
        contextLife.putAll(life);
        contextLife.put("stream", JSON.valueToTree(frames));
        return contextLife;
    }

    private static Response inContext(String id, String code) {
        return daemon.request().contentType(ContentType.JSON).body(Map.of("code", code, "contextId", id))
                .post(HttpApi.EXECUTE_PATH);
    }

    private static JsonNode expect200(Response response) {
        assertEquals(200, response.statusCode(), response::asString);
        return body(response);
    }

    private static String type(JsonNode frame) {
        return frame.path("type").asText();
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    /** Checks a real answer's status, content type, body and the headers its response in the document declares. */
    private static void expectError(String responsePointer, Response real, int status) {
        assertEquals(status, real.statusCode(), real::asString);
        expectValid(responsePointer, body(real));
        for (Map.Entry<String, JsonNode> header : document.response(responsePointer).path("headers").properties()) {
            String value = real.header(header.getKey());
            assertNotNull(value, "header " + header.getKey() + " of a " + status);
            JsonNode typed = value.matches("-?\\d+")
                    ? LongNode.valueOf(Long.parseLong(value)) : TextNode.valueOf(value);
            assertEquals(List.of(), document.check(document.resolve(header.getValue()).get("schema"), typed),
                    "header " + header.getKey());
        }
    }

    private static void expectValid(String responsePointer, JsonNode body) {
        assertEquals(List.of(), document.check(document.schema(responsePointer, JSON_TYPE), body), body::toString);
    }

    private static Response post(TestDaemon target, String body) {
        return target.request().contentType(ContentType.JSON).body(body).post(HttpApi.EXECUTE_PATH);
    }

    private static JsonNode body(Response response) {
        assertEquals(JSON_TYPE, response.contentType(), "content type");
        try {
            return JSON.readTree(response.asByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.asString(), e);
        }
    }

    private static void awaitRunning(TestDaemon target) {
        eventually("the sleeper runs", () -> target.request().get("/health").jsonPath().getInt("running") >= 1);
    }
}
