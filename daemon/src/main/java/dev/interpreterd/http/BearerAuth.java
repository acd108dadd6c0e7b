package dev.interpreterd.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Requires {@code Authorization: Bearer <token>}; compares digests in constant time. */
final class BearerAuth implements Handler {

    private static final String PREFIX = "Bearer ";

    private final byte[] expectedDigest;

    BearerAuth(String token) {
        this.expectedDigest = digest(token);
    }

    @Override
    public void handle(Context ctx) {
        String header = ctx.header("Authorization");
        boolean present = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
        String given = present ? header.substring(PREFIX.length()).strip() : "";
        // Digests have the same length whatever was sent, so the comparison leaks neither length nor prefix.
        if (!MessageDigest.isEqual(expectedDigest, digest(given))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "unauthorized", present
                    ? "the bearer token is not the one this daemon was started with"
                    : "this daemon requires an 'Authorization: Bearer <token>' header");
        }
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
