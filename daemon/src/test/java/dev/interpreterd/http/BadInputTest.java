package dev.interpreterd.http;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.interpreterd.TestDaemon;
import dev.interpreterd.http.HttpApi;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kind of bad request answers a 4xx with a JSON error that names the field, and none of them
 * hurts the daemon.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {

    private static final String EXECUTE = HttpApi.EXECUTE_PATH;
    private static final int MAX_BODY_BYTES = 64 * 1024;

    @TempDir
    static Path tempDir;
    private static Path regularFile;
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws IOException {
        regularFile = Files.writeString(tempDir.resolve("file.txt"), "not a directory");
        // The default timeout (300 s) must not exceed the lowered maximum, or the daemon refuses to start.
        daemon = TestDaemon.start("--max-body", "64KiB", "--max-timeout", "60", "--default-timeout", "30");
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    static Stream<Arguments> notJson() {
        return Stream.of(
                Arguments.of("malformed", json("{'code' 'print(1)'}")),
                Arguments.of("truncated", json("{'code': 'print(1)'")),
                Arguments.of("cut inside a field", json("{'code': ")),
                Arguments.of("trailing garbage", json("{'code': 'print(1)'} xyz")),
                Arguments.of("a second object", json("{'code': 'print(1)'} {}")),
                Arguments.of("NaN", json("{'code': 'print(1)', 'timeout': NaN}")),
                Arguments.of("single quotes", "{'code': 'print(1)'}"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("notJson")
    void body_that_is_not_json_is_invalid_json(String kind, String body) {
        expectError(post(body), 400, "invalid_json", "not valid JSON");
    }

    @Test
    void invalid_utf8_is_invalid_json() {
        byte[] prefix = "{\"code\": \"print('".getBytes(StandardCharsets.UTF_8);
        byte[] invalid = {(byte) 0xff, (byte) 0xfe};
        byte[] suffix = "')\"}".getBytes(StandardCharsets.UTF_8);
        expectError(post(concat(prefix, invalid, suffix)), 400, "invalid_json", "UTF-8");
    }

    @Test
    void duplicate_key_is_invalid_json_naming_the_key() {
        expectError(post(json("{'code': 'print(1)', 'code': 'print(2)'}")), 400, "invalid_json", "'code'");
    }

    @Test
    void empty_body_is_invalid_request() {
        expectError(post(""), 400, "invalid_request", "empty");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[{\"code\": \"print(1)\"}]", "\"print(1)\"", "42", "null", "true", "  "})
    void body_that_is_not_an_object_is_invalid_request(String body) {
        expectError(post(body), 400, "invalid_request", "JSON object");
    }

    static Stream<Arguments> wrongFields() {
        return Stream.of(
                wrong("'code'", "{}"),
                wrong("'code'", "{'code': null}"),
                wrong("'code'", "{'code': 42}"),
                wrong("'code'", "{'code': ['print(1)']}"),
                wrong("'code'", "{'code': {'source': 'print(1)'}}"),
                wrong("'code'", "{'code': true}"),
                wrong("'timout'", withCode("'timout': 5")),
                wrong("'timeout'", withCode("'timeout': 0")),
                wrong("'timeout'", withCode("'timeout': 0.0")),
                wrong("'timeout'", withCode("'timeout': -1")),
                wrong("'timeout'", withCode("'timeout': 61")),
                wrong("'timeout'", withCode("'timeout': 60.001")),
                wrong("'timeout'", withCode("'timeout': '5'")),
                wrong("'timeout'", withCode("'timeout': true")),
                wrong("'timeout'", withCode("'timeout': 1e400")),
                wrong("'timeout'", withCode("'timeout': -1e400")),
                wrong("'timeout'", withCode("'timeout': 1e-400")),
                wrong("'code'", "{'code': 'print(1) \\ud800'}"),
                wrong("'envs.A'", withCode("'envs': {'A': '\\udc00'}")),
                wrong("'envs'", withCode("'envs': ['A=1']")),
                wrong("'envs'", withCode("'envs': 'A=1'")),
                wrong("'envs.A'", withCode("'envs': {'A': 1}")),
                wrong("'envs.A'", withCode("'envs': {'A': null}")),
                wrong("'envs.A'", withCode("'envs': {'A': {'B': 'x'}}")),
                wrong("'envs'", withCode("'envs': {'': 'x'}")),
                wrong("'envs'", withCode("'envs': {'A=B': 'x'}")),
                wrong("'envs'", withCode("'envs': {'A\\u0000B': 'x'}")),
                wrong("'envs.A'", withCode("'envs': {'A': 'x\\u0000y'}")),
                wrong("'cwd'", withCode("'cwd': '" + tempDir.resolve("missing") + "'")),
                wrong("'cwd'", withCode("'cwd': '" + regularFile + "'")),
                wrong("'cwd'", withCode("'cwd': ''")),
                wrong("'cwd'", withCode("'cwd': 5")),
                wrong("'cwd'", withCode("'cwd': ['/tmp']")),
                wrong("'contextId'", withCode("'contextId': 42")),
                wrong("'contextId'", withCode("'contextId': ''")),
                wrong("'contextId'", withCode("'contextId': ' '")),
                wrong("'contextId'", withCode("'contextId': ['c-1']")));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("wrongFields")
    void wrong_field_is_invalid_request_naming_the_field(String field, String body) {
        expectError(post(body), 400, "invalid_request", field);
    }

    @Test
    void body_of_exactly_the_limit_is_accepted() {
        post(bodyOfSize(MAX_BODY_BYTES)).statusCode(200).body("status", equalTo("ok"));
    }

    @Test
    void body_over_the_limit_with_content_length_is_too_large() {
        expectError(post(bodyOfSize(MAX_BODY_BYTES + 1)), 413, "body_too_large", "--max-body");
    }

    @Test
    void chunked_body_over_the_limit_is_too_large() throws IOException, InterruptedException {
        byte[] body = bodyOfSize(MAX_BODY_BYTES + 1);
        // A body published from a stream has no known length, so HTTP/1.1 sends it chunked.
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + EXECUTE))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode(), equalTo(413));
        assertThat(JsonPath.from(response.body()).getString("error"), equalTo("body_too_large"));
        assertThat(JsonPath.from(response.body()).getString("message"), containsString("--max-body"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH"})
    void wrong_method_on_execute_is_method_not_allowed(String method) {
        expectError(daemon.request().request(method, EXECUTE).then().header("Allow", "POST"), 405,
                "method_not_allowed", method);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"POST", "PUT", "DELETE"})
    void wrong_method_on_health_is_method_not_allowed(String method) {
        expectError(daemon.request().request(method, "/health").then().header("Allow", "GET, HEAD"), 405,
                "method_not_allowed", method);
    }

    @Test
    void head_on_health_has_the_headers_of_get() {
        daemon.request().head("/health").then().statusCode(200).contentType("application/json");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/process/interpreter/run", "/process/interpreter/execute/extra"})
    void unknown_path_is_not_found(String path) {
        ValidatableResponse response = daemon.request().contentType(ContentType.JSON)
                .body(json("{'code': 'print(1)'}")).post(path).then();
        expectError(response, 404, "not_found", "POST " + path);
    }

    @ParameterizedTest(name = "timeout {0}")
    @ValueSource(strings = {"0.25", "1", "60", "60.0"})
    void timeout_within_the_limit_is_accepted(String timeout) {
        post(json(withCode("'timeout': " + timeout))).statusCode(200).body("status", equalTo("ok"));
    }

    @ParameterizedTest(name = "{0}: null")
    @ValueSource(strings = {"timeout", "envs", "cwd"})
    void null_optional_field_means_its_default(String field) {
        String workDir = daemon.execute("import os; print(os.getcwd())").extract().path("stdout");
        String body = json("{'code': 'import os; print(os.getcwd())', '" + field + "': null}");
        post(body).statusCode(200)
                .body("status", equalTo("ok"))
                .body("stdout", equalTo(workDir));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void daemon_still_serves_after_all_the_bad_input() {
        daemon.execute("print(1)")
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("1\n"));
        daemon.request().get("/health").then()
                .statusCode(200)
                .body("status", equalTo("ok"))
                .body("running", equalTo(0));
    }

    private static ValidatableResponse post(String body) {
        return daemon.request().contentType(ContentType.JSON).body(body).post(EXECUTE).then();
    }

    private static ValidatableResponse post(byte[] body) {
        return daemon.request().contentType(ContentType.JSON).body(body).post(EXECUTE).then();
    }

    private static void expectError(ValidatableResponse response, int status, String error, String inMessage) {
        response.statusCode(status)
                .contentType(ContentType.JSON)
                .body("error", equalTo(error))
                .body("message", containsString(inMessage));
    }

    private static Arguments wrong(String field, String singleQuotedJson) {
        return Arguments.of(field, json(singleQuotedJson));
    }

    /** {@code {'code': 'print(1)', <fields>}}, still single-quoted. */
    private static String withCode(String singleQuotedFields) {
        return "{'code': 'print(1)', " + singleQuotedFields + "}";
    }

    /** JSON written with single quotes, which reads better inside Java strings. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A valid request of exactly {@code size} bytes: code that is one long comment. */
    private static byte[] bodyOfSize(int size) {
        String prefix = "{\"code\": \"#";
        String suffix = "\"}";
        String body = prefix + "x".repeat(size - prefix.length() - suffix.length()) + suffix;
        return body.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
