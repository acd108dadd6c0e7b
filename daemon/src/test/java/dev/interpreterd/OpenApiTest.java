package dev.interpreterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.interpreterd.http.HttpApi;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon's real answers match the schemas of {@code openapi.yaml}, and every property the document
 * lists shows up in a real answer, so that neither can drift from the other.
 */
class OpenApiTest {

    private static final Path DOCUMENT = Path.of("../openapi.yaml");
    private static final String EXECUTE = "/paths/~1process~1interpreter~1execute/post";
    private static final String HEALTH = "/paths/~1health/get";
    private static final String MAX_BODY = "4KiB";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json";
    /** Code that ends with each status, and its timeout. */
    private static final Map<String, Map<String, Object>> REQUESTS = Map.of(
            "ok", Map.of("code", "import sys\nprint('out')\nprint('err', file=sys.stderr)"),
            "error", Map.of("code", "def f():\n    return 1 / 0\nf()"),
            "exit", Map.of("code", "import sys\nsys.exit(3)"),
            "interrupted", Map.of("code", "import time\nprint('started', flush=True)\ntime.sleep(30)", "timeout", 0.3),
            "killed", Map.of("code", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"));

    private static OpenApiDocument document;
    private static TestDaemon daemon;
    private static final Map<String, JsonNode> answers = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws IOException {
        document = OpenApiDocument.read(DOCUMENT);
        daemon = TestDaemon.start("--max-body", MAX_BODY);
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
        List<JsonNode> real = REQUESTS.keySet().stream().map(OpenApiTest::answer).toList();
        assertEquals(List.of(), document.missingProperties(document.schema(EXECUTE + "/responses/200", JSON_TYPE),
                real, "result"), "properties in openapi.yaml that no real answer has");
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
    @ValueSource(strings = {"{\"code\": 42}", "{\"code\": ", "{\"code\": \"1\", \"timout\": 1}", "[]"})
    void bad_request_matches_the_error_schema(String body) {
        expectError(EXECUTE + "/responses/400", post(daemon, body), 400);
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

    /** The answer to the request that ends with this status, run once per test run. */
    private static JsonNode answer(String status) {
        return answers.computeIfAbsent(status, s -> {
            Response response = daemon.request().contentType(ContentType.JSON).body(REQUESTS.get(s))
                    .post(HttpApi.EXECUTE_PATH);
            assertEquals(200, response.statusCode(), response::asString);
            return body(response);
        });
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

    private static void awaitRunning(TestDaemon target) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (target.request().get("/health").jsonPath().getInt("running") < 1) {
            assertTrue(System.nanoTime() < deadline, "the sleeper never started");
            Thread.sleep(10);
        }
    }
}
