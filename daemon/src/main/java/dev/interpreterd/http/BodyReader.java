package dev.interpreterd.http;

import io.javalin.http.Context;

/**
 * A request's body as {@link BodyBuffer} received it before the request reached its handler: the
 * bytes, or the 4xx/503 that says why they did not come.
 */
final class BodyReader {

    /**
     * The whole body.
     *
     * @throws ApiException 413 {@code body_too_large} over {@code --max-body}, 408 {@code body_timeout} when
     *                      the client sent it too slowly, 503 {@code busy} when there was no room for it
     */
    byte[] read(Context ctx) {
        Object attribute = ctx.req().getAttribute(ReceivedBody.ATTRIBUTE);
        if (!(attribute instanceof ReceivedBody body)) {
            throw new IllegalStateException("the request reached its handler without passing the body buffer");
        }
        return switch (body.outcome()) {
            case WHOLE -> body.bytes();
            case TOO_LARGE -> throw new ApiException(413, "body_too_large", body.reason());
            case TOO_SLOW -> throw new ApiException(408, "body_timeout", body.reason());
            case NO_ROOM -> throw new ApiException(503, "busy", body.reason());
        };
    }
}
