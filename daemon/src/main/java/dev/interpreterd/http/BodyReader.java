package dev.interpreterd.http;

import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads a request body up to a limit, answering 413 past it without buffering the excess. */
final class BodyReader {

    private final long maxBytes;

    BodyReader(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The whole body. */
    byte[] read(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            throw tooLarge();
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, maxBytes)));
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = ctx.req().getInputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (body.size() + (long) n > maxBytes) {
                    throw tooLarge();
                }
                body.write(buffer, 0, n);
            }
        }
        return body.toByteArray();
    }

    private ApiException tooLarge() {
        return new ApiException(413, "body_too_large",
                "the request body is larger than the limit of " + maxBytes + " bytes (--max-body)");
    }
}
