package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.ClosedChannelException;
import org.eclipse.jetty.io.EofException;

/** Writes JSON answers straight to the client, so an answer is on the wire when its handler returns. */
final class Responses {

    private Responses() {
    }

    /**
     * Writes {@code value} as the JSON body with the given status, ended by a newline so that a shell
     * prompt after {@code curl} starts on a line of its own.
     */
    static void json(Context ctx, int status, Object value, ObjectMapper json) throws IOException {
        byte[] bytes = json.writeValueAsBytes(value);
        ctx.status(status);
        ctx.res().setContentType("application/json");
        ctx.res().setContentLength(bytes.length + 1);
        try (OutputStream out = ctx.res().getOutputStream()) {
            out.write(bytes);
            out.write('\n');
        }
    }

    /** True when writing an answer failed because the client had closed its connection. */
    static boolean clientWentAway(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof EofException || cause instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }
}
