package dev.interpreterd.http;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.DaemonProcess;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.config.CommandLine;
import dev.interpreterd.config.Config;
import dev.interpreterd.config.Token;
import dev.interpreterd.config.UsageException;
import dev.interpreterd.http.HttpApi;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A daemon started with a token runs code only for requests that carry it; a public host needs one;
 * a token on the command line is warned about.
 */
class AuthTest {

    private static final String TOKEN = "s3cret";
    private static final String PRINT_ONE = "{\"code\": \"print(1)\"}";

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--token", TOKEN);

    @Test
    void request_without_authorization_is_unauthorized_with_a_bearer_challenge() {
        expectUnauthorized(post(daemon.request(), PRINT_ONE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Bearer wrong", "Bearer s3cre", "Bearer s3cret0", "Bearer ", "s3cret", "Basic czNjcmV0"})
    void request_with_a_wrong_authorization_is_unauthorized(String authorization) {
        expectUnauthorized(post(daemon.request().header("Authorization", authorization), PRINT_ONE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Bearer s3cret", "bearer s3cret", "BEARER s3cret"})
    void request_with_the_token_runs_whatever_the_case_of_the_scheme(String authorization) {
        post(daemon.request().header("Authorization", authorization), PRINT_ONE)
                .statusCode(200)
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("1\n"));
    }

    @Test
    void token_is_checked_before_the_body_is_read() {
        expectUnauthorized(post(daemon.request(), "{not json"));
    }

    @Test
    void health_answers_without_a_token() {
        daemon.request().get("/health").then()
                .statusCode(200)
                .body("status", equalTo("ok"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "10.0.0.5", "127.evil.example", "example.com", "[::ffff:127.0.0.1]x"})
    void public_host_without_a_token_is_refused(String host) {
        UsageException e = assertThrows(UsageException.class, () -> parse("--host", host));
        assertTrue(e.getMessage().contains("--token"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"})
    void loopback_host_needs_no_token(String host) {
        assertEquals(host, parse("--host", host).orElseThrow().host());
    }

    @ParameterizedTest
    @ValueSource(strings = {" x", "x ", "a b", "tab\tbed", "caf\u00e9"})
    void token_that_cannot_travel_in_a_header_is_refused(String token) {
        UsageException e = assertThrows(UsageException.class, () -> parse("--token", token.translateEscapes()));
        assertTrue(e.getMessage().contains("--token"), e.getMessage());
    }

    @Test
    void public_host_with_a_token_is_accepted() {
        Config config = parse("--host", "0.0.0.0", "--token", "x").orElseThrow();
        assertEquals("0.0.0.0", config.host());
        assertEquals(Optional.of("x"), config.token().map(Token::value));
    }

    @Test
    void public_host_with_a_token_from_the_environment_is_accepted() {
        Config config = CommandLine.parse(List.of("--host", "0.0.0.0"), Map.of("INTERPRETERD_TOKEN", "x"))
                .orElseThrow();
        assertEquals(Optional.of("x"), config.token().map(Token::value));
    }

    @Test
    void public_host_with_allow_unauthenticated_is_accepted() {
        Config config = parse("--host", "0.0.0.0", "--allow-unauthenticated").orElseThrow();
        assertEquals("0.0.0.0", config.host());
        assertTrue(config.allowUnauthenticated());
        assertFalse(config.token().isPresent());
    }

    @Test
    void daemon_started_with_a_token_file_requires_the_token_in_it(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("token"), "from-a-file\n");
        try (TestDaemon fromFile = TestDaemon.start("--token-file", file.toString())) {
            expectUnauthorized(post(fromFile.request(), PRINT_ONE));
            expectUnauthorized(post(fromFile.request().header("Authorization", "Bearer " + TOKEN), PRINT_ONE));
            post(fromFile.request().header("Authorization", "Bearer from-a-file"), PRINT_ONE)
                    .statusCode(200)
                    .body("stdout", equalTo("1\n"));
        }
    }

    @Test
    void token_on_the_command_line_is_warned_about_at_start(@TempDir Path tmp) throws Exception {
        try (DaemonProcess process = DaemonProcess.start(tmp, "--token", TOKEN)) {
            List<String> warnings = tokenWarnings(process.log());
            assertEquals(1, warnings.size(), () -> String.join("\n", process.log()));
            assertTrue(warnings.get(0).contains("--token-file or INTERPRETERD_TOKEN"), warnings.get(0));
            assertFalse(warnings.get(0).contains(TOKEN), warnings.get(0));
        }
    }

    @Test
    void token_from_the_environment_is_not_warned_about(@TempDir Path tmp) throws Exception {
        try (DaemonProcess process = DaemonProcess.start(tmp, Map.of("INTERPRETERD_TOKEN", TOKEN))) {
            assertStartedWithATokenAndNoWarning(process.log());
        }
    }

    @Test
    void token_from_a_file_is_not_warned_about(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        try (DaemonProcess process = DaemonProcess.start(tmp, "--token-file", file.toString())) {
            assertStartedWithATokenAndNoWarning(process.log());
        }
    }

    @Test
    void daemon_with_a_token_file_that_does_not_exist_refuses_to_start(@TempDir Path tmp) {
        String missing = tmp.resolve("missing").toString();
        IOException e = assertThrows(IOException.class, () -> DaemonProcess.start(tmp, "--token-file", missing));
        assertTrue(e.getMessage().contains("interpreterd: --token-file " + missing + " does not exist"), e.getMessage());
    }

    private static List<String> tokenWarnings(List<String> log) {
        return log.stream().filter(line -> line.contains("WARN") && line.contains("--token")).toList();
    }

    private static void assertStartedWithATokenAndNoWarning(List<String> log) {
        assertTrue(log.stream().anyMatch(line -> line.contains("listening on") && line.contains("token=set")),
                () -> String.join("\n", log));
        assertEquals(List.of(), tokenWarnings(log));
    }

    private static Optional<Config> parse(String... args) {
        return CommandLine.parse(List.of(args), Map.of());
    }

    private static ValidatableResponse post(RequestSpecification request, String body) {
        return request.contentType(ContentType.JSON).body(body).post(HttpApi.EXECUTE_PATH).then();
    }

    private static void expectUnauthorized(ValidatableResponse response) {
        response.statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .contentType(ContentType.JSON)
                .body("error", equalTo("unauthorized"))
                .body("message", not(containsString(TOKEN)));
    }
}
