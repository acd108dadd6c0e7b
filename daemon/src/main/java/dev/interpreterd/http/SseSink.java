package dev.interpreterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.mcp.McpStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes MCP messages as server-sent events, each {@code event: message} with the JSON on one
 * {@code data} line, flushed at once. Has no event ids: a stream that breaks is not resumed.
 */
final class SseSink implements McpStream.Sink {

    private static final byte[] EVENT = "event: message\ndata: ".getBytes(StandardCharsets.UTF_8);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] COMMENT = ":\n\n".getBytes(StandardCharsets.UTF_8);

    private final OutputStream out;
    private final ObjectMapper json;

    SseSink(OutputStream out, ObjectMapper json) {
        this.out = out;
        this.json = json;
    }

    @Override
    public synchronized void send(JsonNode message) throws IOException {
        // Jackson writes JSON on one line: a string's line breaks are escaped, so one data line holds it.
        byte[] data = json.writeValueAsBytes(message);
        out.write(EVENT);
        out.write(data);
        out.write(END);
        out.flush();
    }

    @Override
    public synchronized void comment() throws IOException {
        out.write(COMMENT);
        out.flush();
    }
}
