package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * An answer that is a stream of JSON-RPC messages rather than one body: notifications while a
 * request runs, its response last. The web server sends each message as it comes (on HTTP, as an
 * SSE event) and ends the stream when {@link #run} returns.
 */
@FunctionalInterface
public interface McpStream {

    /** Sends the messages to {@code sink}, the response last; returns when there is nothing more to send. */
    void run(Sink sink);

    /** Where a stream's messages go, one at a time and in order. */
    interface Sink {

        /**
         * Sends one message and flushes it to the client.
         *
         * @throws IOException when the client can no longer be reached
         */
        void send(JsonNode message) throws IOException;

        /**
         * Sends a line the client ignores (on HTTP, an SSE comment), to find out whether the client
         * is still there.
         *
         * @throws IOException when the client can no longer be reached
         */
        void comment() throws IOException;
    }
}
