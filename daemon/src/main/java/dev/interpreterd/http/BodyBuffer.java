package dev.interpreterd.http;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * In front of Javalin: a request goes on to the routes only once its whole body is here, so that a
 * client that sends half a body and waits holds no thread of the pool, only its connection, and that
 * only until {@link BodyPace} cuts it off. The body is received asynchronously (see {@link BodyLoad})
 * into one array of at most {@code --max-body} bytes; a body declared larger is not read at all. The
 * handlers find the outcome, a {@link ReceivedBody}, as a request attribute.
 */
final class BodyBuffer extends Handler.Wrapper {

    private final BodyLimits limits;

    BodyBuffer(BodyLimits limits) {
        this.limits = limits;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Handler next = getHandler();
        if (next == null) {
            return false;
        }
        HttpFields headers = request.getHeaders();
        boolean chunked = headers.contains(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
        long declared = chunked ? -1 : headers.getLongField(HttpHeader.CONTENT_LENGTH);
        if (!chunked && declared <= 0) {
            request.setAttribute(ReceivedBody.ATTRIBUTE, ReceivedBody.EMPTY);
            return next.handle(request, response, callback);
        }
        if (declared > limits.maxBytes()) {
            request.setAttribute(ReceivedBody.ATTRIBUTE,
                    ReceivedBody.refused(ReceivedBody.Outcome.TOO_LARGE, limits.tooLarge()));
            return next.handle(request, response, callback);
        }
        new BodyLoad(next, request, response, callback, limits, declared).start();
        return true;
    }
}
