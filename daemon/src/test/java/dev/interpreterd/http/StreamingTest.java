package dev.interpreterd.http;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.LeftoverProcesses;
import dev.interpreterd.TestDaemon;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Accept: application/x-ndjson streams frames as things happen; without it nothing changes. */
class StreamingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--keepalive", "0.2");

    /** No case may leave an execution behind for the next one to wait on. */
    @AfterEach
    void nothing_is_left_running() {
        eventually("the daemon runs no execution", () -> running() == 0);
    }

    @Test
    void frames_come_in_order_start_output_results_error_end() throws Exception {
        List<JsonNode> frames = frames("""
                import sys
                print('out')
                print('err', file=sys.stderr)
                display('shown')
                raise ValueError('boom')
                """);
        assertEquals("start", type(frames.get(0)));
        assertEquals("end", type(frames.get(frames.size() - 1)));
        assertEquals("error", type(frames.get(frames.size() - 2)));
        assertEquals("ValueError", frames.get(frames.size() - 2).path("name").asText());
        assertEquals("boom", frames.get(frames.size() - 2).path("value").asText());
        assertEquals("out\n", text(frames, "stdout"));
        assertEquals("err\n", text(frames, "stderr"));
        JsonNode display = frames.stream().filter(f -> type(f).equals("display")).findFirst().orElseThrow();
        assertEquals("'shown'", display.path("data").path("text/plain").asText());
        JsonNode end = frames.get(frames.size() - 1);
        assertEquals(frames.get(0).path("sessionId"), end.path("sessionId"));
        assertEquals("error", end.path("status").asText());
        assertEquals(1, end.path("exitCode").asInt());
        assertTrue(end.has("durationMs") && end.has("stdoutTruncated") && end.has("stderrTruncated")
                && end.has("resultsTruncated") && end.has("signal"), end.toString());
    }

    @Test
    void a_result_frame_carries_the_final_expression_and_ok_has_no_error_frame() throws Exception {
        // With --keepalive 0.2 a slow start on a busy machine may bring a keepalive frame in between.
        List<JsonNode> frames = frames("6 * 7").stream().filter(f -> !type(f).equals("keepalive")).toList();
        assertEquals(List.of("start", "result", "end"), frames.stream().map(StreamingTest::type).toList());
        assertEquals("42", frames.get(1).path("data").path("text/plain").asText());
        assertEquals("ok", frames.get(2).path("status").asText());
    }

    @Test
    void output_arrives_while_the_code_still_runs() throws Exception {
        try (Stream<JsonNode> stream = stream("""
                import time
                print(time.time(), flush=True)
                time.sleep(30)
                print('late')
                """, 60)) {
            Iterator<JsonNode> frames = stream.iterator();
            assertEquals("start", type(frames.next()));
            JsonNode first = frames.next();
            // With --keepalive 0.2 a slow start on a busy machine may bring keepalive frames first.
            while (type(first).equals("keepalive")) {
                first = frames.next();
            }
            double arrived = System.currentTimeMillis() / 1000.0;
            assertEquals("stdout", type(first));
            double printed = Double.parseDouble(first.path("text").asText().strip());
            // The code sleeps 30 s after printing; an answer buffered to the end would come that late.
            assertTrue(arrived - printed < 1.0, "first output took " + (arrived - printed) + " s to arrive");
        }
        // Closing the stream hangs up, which stops the code at the next keepalive, long before its sleep ends.
        eventually("the execution stopped once its stream was closed", Duration.ofSeconds(5), () -> running() == 0);
    }

    @Test
    void the_streamed_output_adds_up_to_the_answers_even_when_it_ends_inside_a_character() throws Exception {
        String code = "import sys\nsys.stdout.buffer.write(b'ok \\xe2\\x82')";
        String streamed = frames(code).stream().filter(f -> type(f).equals("stdout"))
                .map(f -> f.path("text").asText()).collect(Collectors.joining());
        String answered = daemon.execute(code).extract().path("stdout");
        assertEquals("ok \uFFFD", answered);
        assertEquals(answered, streamed);
    }

    @Test
    void a_silent_execution_sends_keepalives() throws Exception {
        List<String> types = frames("import time\ntime.sleep(1)").stream().map(StreamingTest::type).toList();
        assertTrue(types.stream().filter("keepalive"::equals).count() >= 2, types.toString());
        assertEquals("end", types.get(types.size() - 1));
    }

    @Test
    void a_timeout_ends_the_stream_with_the_timeout_error() throws Exception {
        List<JsonNode> frames = frames("import time\nprint('a', flush=True)\ntime.sleep(30)", 0.5);
        JsonNode end = frames.get(frames.size() - 1);
        assertEquals("interrupted", end.path("status").asText());
        assertEquals("SIGINT", end.path("signal").asText());
        assertEquals("TimeoutError", frames.get(frames.size() - 2).path("name").asText());
        assertEquals("a\n", text(frames, "stdout"));
    }

    @Test
    void a_client_that_disconnects_stops_the_execution_and_everything_it_started() throws Exception {
        String marker = LeftoverProcesses.sleepMarker();
        String body = JSON.writeValueAsString(Map.of("code",
                "import subprocess, time\nsubprocess.Popen(['sleep', '" + marker + "'])\nwhile True:\n    time.sleep(0.05)"));
        try (Socket socket = new Socket("127.0.0.1", daemon.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /process/interpreter/execute HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: application/x-ndjson\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.contains("\"start\""); ) {
                // headers and the chunk size line come first
            }
        }
        eventually("the execution stopped after its client left", () -> running() == 0);
        LeftoverProcesses.assertNoneLeft(marker);
    }

    @Test
    void without_the_accept_header_the_answer_is_plain_json() throws Exception {
        HttpResponse<String> response = post("print(1)", "application/json", 5);
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        assertEquals("1\n", JSON.readTree(response.body()).path("stdout").asText());
    }

    @Test
    void a_bad_request_is_refused_with_plain_json_even_when_streaming_is_asked_for() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(executeUri())
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString("{\"code\": 42}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertEquals("invalid_request", JSON.readTree(response.body()).path("error").asText());
    }

    /** Every frame of a streamed execution, read to the end. */
    private static List<JsonNode> frames(String code) throws Exception {
        return frames(code, 30);
    }

    private static List<JsonNode> frames(String code, double timeout) throws Exception {
        try (Stream<JsonNode> frames = stream(code, timeout)) {
            return frames.toList();
        }
    }

    /** The frames of a streamed execution as they come; closing the stream hangs up. */
    private static Stream<JsonNode> stream(String code, double timeout) throws Exception {
        String body = JSON.writeValueAsString(Map.of("code", code, "timeout", timeout));
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(executeUri())
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertEquals("application/x-ndjson", response.headers().firstValue("Content-Type").orElse(""));
        return response.body().map(StreamingTest::parse);
    }

    private static HttpResponse<String> post(String code, String accept, double timeout) throws Exception {
        String body = JSON.writeValueAsString(Map.of("code", code, "timeout", timeout));
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(executeUri()).header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI executeUri() {
        return URI.create("http://127.0.0.1:" + daemon.port() + "/process/interpreter/execute");
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static String type(JsonNode frame) {
        return frame.path("type").asText();
    }

    private static String text(List<JsonNode> frames, String type) {
        StringBuilder text = new StringBuilder();
        frames.stream().filter(f -> type(f).equals(type)).forEach(f -> text.append(f.path("text").asText()));
        return text.toString();
    }

    /** The number of executions the daemon runs now, from /health. */
    private static int running() {
        return daemon.request().get("/health").then().statusCode(200).extract().jsonPath().getInt("running");
    }
}
