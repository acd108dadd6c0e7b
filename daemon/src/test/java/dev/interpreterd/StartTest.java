package dev.interpreterd;

import static dev.interpreterd.Eventually.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start: HTTP answers from its first moments, {@code /health} with 503 {@code starting} until
 * code can run, and other requests wait for that; what stopped a start before still stops it, with
 * its message and a non-zero exit status. The start is held back here by an interpreter that waits
 * for a file before it answers who it is.
 */
class StartTest {

    @TempDir
    Path tmp;

    @Test
    void health_answers_503_starting_until_code_can_run_and_an_execution_sent_meanwhile_waits_for_it()
            throws Exception {
        Path gate = tmp.resolve("gate");
        try (DaemonProcess daemon = DaemonProcess.startAccepting(tmp, "--python", heldBackPython(gate).toString())) {
            String starting = request(daemon).get("/health").then().statusCode(503).header("Retry-After", "1")
                    .body("error", equalTo("starting")).body("message", containsString("/health")).extract().asString();
            OpenApiDocument document = OpenApiDocument.read(Path.of("../openapi.yaml"));
            assertEquals(List.of(), document.check(document.schema("/paths/~1health/get/responses/503",
                    "application/json"), new ObjectMapper().readTree(starting)), starting);
            request(daemon).head("/health").then().statusCode(503);
            CompletableFuture<JsonPath> early = daemon.executeAsync("print('sent early')", Map.of());
            // The start cannot end while the gate is shut: the execution is still waiting, not refused.
            request(daemon).get("/health").then().statusCode(503);
            assertFalse(early.isDone(), "the execution was answered before the daemon could run code");

            Files.writeString(gate, "open");
            eventually("/health answers 200", () -> request(daemon).get("/health").statusCode() == 200);
            // What /health 200 promises: an execution sent now runs.
            JsonPath now = daemon.executeAsync("print('sent at once')", Map.of()).get(60, TimeUnit.SECONDS);
            assertEquals("ok", now.getString("status"), now::prettify);
            assertEquals("sent at once\n", now.getString("stdout"));
            JsonPath waited = early.get(60, TimeUnit.SECONDS);
            assertEquals("ok", waited.getString("status"), waited::prettify);
            assertEquals("sent early\n", waited.getString("stdout"));
            eventually("the start line is logged",
                    () -> daemon.log().stream().anyMatch(l -> l.contains("listening on http://")));
        }
    }

    @Test
    void once_the_start_line_is_logged_health_answers_200_and_an_execution_runs() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(tmp)) {
            request(daemon).get("/health").then().statusCode(200).body("status", equalTo("ok"));
            JsonPath answer = daemon.executeAsync("print(6 * 7)", Map.of()).get(60, TimeUnit.SECONDS);
            assertEquals("42\n", answer.getString("stdout"), answer::prettify);
        }
    }

    @Test
    void a_missing_interpreter_still_stops_the_start_with_its_message_and_status_1() {
        IOException refused = assertThrows(IOException.class,
                () -> DaemonProcess.start(tmp, "--python", tmp.resolve("no-python3").toString()).close());
        assertTrue(refused.getMessage().contains("exited with status 1"), refused.getMessage());
        assertTrue(refused.getMessage().contains("interpreterd: could not start: running python interpreter '"
                + tmp.resolve("no-python3") + "' failed"), refused.getMessage());
    }

    @Test
    void a_start_that_fails_after_http_answered_exits_with_status_1_and_leaves_nothing() throws Exception {
        Path gate = tmp.resolve("gate");
        try (DaemonProcess daemon = DaemonProcess.startAccepting(tmp, "--python", heldBackPython(gate).toString())) {
            request(daemon).get("/health").then().statusCode(503);
            CompletableFuture<Integer> early = CompletableFuture.supplyAsync(() -> request(daemon)
                    .contentType(ContentType.JSON).body(Map.of("code", "print(1)"))
                    .post("/process/interpreter/execute").statusCode()).exceptionally(closed -> -1);
            Files.writeString(gate, "fail");
            assertEquals(1, daemon.awaitExit(30));
            String failure = "interpreterd: could not start: python interpreter '" + tmp.resolve("python3")
                    + "' exited with code 3: no interpreter here";
            assertTrue(daemon.log().stream().anyMatch(l -> l.contains(failure)), String.join("\n", daemon.log()));
            assertFalse(daemon.log().stream().anyMatch(l -> l.contains("listening on http://")),
                    "a failed start was logged as ready");
            int status = early.get(30, TimeUnit.SECONDS);
            // 503 shutting_down, or a connection closed by the exit: never an answer that it ran.
            assertTrue(status == 503 || status == -1, "an execution sent to a failing start got " + status);
            assertEquals(List.of(), runnerDirectories(), "the failed start left its runner directory");
        }
    }

    @Test
    void sigterm_during_the_start_stops_it_cleanly() throws Exception {
        Path gate = tmp.resolve("gate");
        try (DaemonProcess daemon = DaemonProcess.startAccepting(tmp, "--python", heldBackPython(gate).toString())) {
            request(daemon).get("/health").then().statusCode(503);
            daemon.terminate();
            assertEquals(0, daemon.awaitExit(20), "the daemon did not exit cleanly after SIGTERM during its start");
            assertEquals(List.of(), runnerDirectories(), "the stopped start left its runner directory");
        } finally {
            Files.writeString(gate, "stopped"); // ends the held-back interpreter, should it outlive the daemon
        }
    }

    /**
     * An interpreter that, asked who it is, first waits for {@code gate}: with "open" in it, it is the
     * tests' python3; with anything else it fails with exit status 3.
     */
    private Path heldBackPython(Path gate) throws IOException {
        Path script = tmp.resolve("python3");
        Files.writeString(script, """
                #!/bin/sh
                while [ ! -s '%1$s' ]; do sleep 0.02; done
                if [ "$(cat '%1$s')" != open ]; then echo 'no interpreter here'; exit 3; fi
                exec '%2$s' "$@"
                """.formatted(gate, TestDaemon.PYTHON));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static RequestSpecification request(DaemonProcess daemon) {
        return given().baseUri("http://127.0.0.1").port(daemon.port());
    }

    /** The runner directories under the temp root of the daemons started here. */
    private List<Path> runnerDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().matches("interpreterd-[0-9a-f]{12}-\\d+-\\d+-.+"))
                    .toList();
        }
    }
}
