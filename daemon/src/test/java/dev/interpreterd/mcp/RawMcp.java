package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * One MCP session spoken in plain HTTP, for what the SDK client hides: content types, the SSE
 * framing of a streamed answer, and a stream read (or left) message by message. Ends the session
 * when closed.
 */
final class RawMcp implements AutoCloseable {

    /** The Accept header of a client that takes either answer, as the transport asks clients to send. */
    static final String BOTH = "application/json, text/event-stream";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = "2025-11-25";

    private final TestDaemon daemon;
    private final String sessionId;

    private RawMcp(TestDaemon daemon, String sessionId) {
        this.daemon = daemon;
        this.sessionId = sessionId;
    }

    /** Initializes a session. */
    static RawMcp open(TestDaemon daemon) {
        Response initialized = daemon.request().contentType(ContentType.JSON).accept(BOTH).body("{\"jsonrpc\": \"2.0\","
                + " \"id\": 0, \"method\": \"initialize\", \"params\": {\"protocolVersion\": \"" + VERSION + "\","
                + " \"capabilities\": {}, \"clientInfo\": {\"name\": \"raw\", \"version\": \"1\"}}}").post("/mcp");
        assertEquals(200, initialized.statusCode(), initialized::asString);
        return new RawMcp(daemon, initialized.header("Mcp-Session-Id"));
    }

    /** A {@code tools/call} of execute_python; {@code token} is the JSON of a progress token, or null for none. */
    static String call(int id, String code, String token) {
        String meta = token == null ? "" : ", \"_meta\": {\"progressToken\": " + token + "}";
        try {
            return "{\"jsonrpc\": \"2.0\", \"id\": " + id + ", \"method\": \"tools/call\", \"params\": {\"name\":"
                    + " \"execute_python\", \"arguments\": {\"code\": " + JSON.writeValueAsString(code) + "}" + meta + "}}";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POSTs a message of the session and reads the whole answer. */
    Response post(String body, String accept) {
        return daemon.request().header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", VERSION)
                .contentType(ContentType.JSON).accept(accept).body(body).post("/mcp");
    }

    /** POSTs a message that asks for SSE and returns the answer's body as it comes; closing it leaves the stream. */
    InputStream stream(String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + "/mcp"))
                .header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", VERSION)
                .header("Content-Type", "application/json").header("Accept", BOTH)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            assertEquals("text/event-stream", response.headers().firstValue("Content-Type").orElse(""));
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while posting", e);
        }
    }

    /** The messages of a whole SSE body, each event {@code event: message} with one {@code data} line. */
    static List<JsonNode> events(String body) {
        List<JsonNode> messages = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            String[] lines = event.split("\n");
            assertEquals(2, lines.length, event);
            assertEquals("event: message", lines[0], event);
            messages.add(data(lines[1]));
        }
        return messages;
    }

    /** The next message of a stream; null at its end. */
    static JsonNode next(BufferedReader events) throws IOException {
        String line = events.readLine();
        while (line != null && !line.startsWith("data: ")) {
            line = events.readLine();
        }
        return line == null ? null : data(line);
    }

    /** Reads the stream up to the first progress notification whose message contains {@code text}. */
    static JsonNode progressShowing(BufferedReader events, String text) throws IOException {
        for (JsonNode message = next(events); message != null; message = next(events)) {
            assertEquals("notifications/progress", message.path("method").asText(), message::toString);
            if (message.at("/params/message").asText().contains(text)) {
                return message;
            }
        }
        throw new AssertionError("the stream ended without a progress message showing '" + text + "'");
    }

    private static JsonNode data(String line) {
        assertNotNull(line);
        try {
            return JSON.readTree(line.substring("data: ".length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the session. */
    @Override
    public void close() {
        daemon.request().header("Mcp-Session-Id", sessionId).delete("/mcp");
    }
}
