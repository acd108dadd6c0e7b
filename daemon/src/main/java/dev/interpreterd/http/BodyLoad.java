package dev.interpreterd.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one request's body without holding a thread: it copies what has come, asks Jetty to call
 * back when more comes, and hands the request on (on a thread of the pool) once the body is whole,
 * too large, too slow or without room, with a {@link ReceivedBody} as a request attribute. A client
 * that goes away meanwhile ends the request with one log line.
 */
final class BodyLoad implements Invocable.Task {

    private static final Logger log = LoggerFactory.getLogger(BodyLoad.class);

    private final Handler next;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final BodyLimits limits;
    /** The Content-Length, or -1 for a chunked body. */
    private final long declaredBytes;
    private final long startNanos = System.nanoTime();
    private final BodyBytes bytes;
    private long lastByteNanos = startNanos;
    private boolean done;
    private Scheduler.Task timer;

    BodyLoad(Handler next, Request request, Response response, Callback callback, BodyLimits limits,
             long declaredBytes) {
        this.next = next;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.limits = limits;
        this.declaredBytes = declaredBytes;
        this.bytes = new BodyBytes(limits.budget(), declaredBytes >= 0 ? declaredBytes : limits.maxBytes());
    }

    /** Starts receiving, on the thread that handles the request: it goes on in this thread if the body is here. */
    void start() {
        synchronized (this) {
            schedule(limits.pace().base());
        }
        Runnable then = receive();
        if (then != null) {
            then.run();
        }
    }

    /** Jetty calls this when more of the body may be read, maybe on a thread that must not block. */
    @Override
    public void run() {
        Runnable then = receive();
        if (then != null) {
            later(then);
        }
    }

    /** Reading and copying never block, so Jetty may call {@link #run()} on its selector thread. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    /** Reads what has come; what to do next once receiving has ended, or null while more is awaited. */
    private Runnable receive() {
        while (true) {
            synchronized (this) {
                if (done) {
                    return null;
                }
            }
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return null;
            }
            try {
                synchronized (this) {
                    if (done) {
                        return null;
                    }
                    Runnable then = take(chunk);
                    if (then != null) {
                        finish();
                        return then;
                    }
                }
            } finally {
                chunk.release();
            }
        }
    }

    /** Adds a chunk to the body; what to do next when that ends receiving, else null. */
    private Runnable take(Content.Chunk chunk) {
        if (Content.Chunk.isFailure(chunk)) {
            Throwable failure = chunk.getFailure();
            // A transient failure is Jetty's idle timeout: the client has sent nothing for that long.
            return chunk.isLast() ? () -> abandon(failure) : handOnLater(tooSlow());
        }
        ByteBuffer content = chunk.getByteBuffer();
        int count = content.remaining();
        if (bytes.size() + (long) count > limits.maxBytes()) {
            return handOnLater(ReceivedBody.refused(ReceivedBody.Outcome.TOO_LARGE, limits.tooLarge()));
        }
        if (!bytes.append(content)) {
            return handOnLater(ReceivedBody.refused(ReceivedBody.Outcome.NO_ROOM, "the daemon is receiving other"
                    + " request bodies and has no room for this one now; try again"));
        }
        if (count > 0) {
            lastByteNanos = System.nanoTime();
        }
        return chunk.isLast() ? handOnLater(ReceivedBody.whole(bytes.toArray())) : null;
    }

    /** Called by the timer: hands the request on as too slow when the body is late, or waits again. */
    private void check() {
        Runnable then;
        synchronized (this) {
            if (done) {
                return;
            }
            long now = System.nanoTime();
            Duration left = limits.pace().remaining(Duration.ofNanos(now - startNanos),
                    Duration.ofNanos(now - lastByteNanos), declaredBytes >= 0 ? declaredBytes : bytes.size());
            if (!left.isZero()) {
                schedule(left);
                return;
            }
            then = handOnLater(tooSlow());
            finish();
        }
        // The timer's thread is Jetty's scheduler, which must not be held up by a handler.
        later(then);
    }

    /** Runs {@code then} on a thread of the pool; a pool that stopped taking work ends the request. */
    private void later(Runnable then) {
        try {
            request.getContext().execute(then);
        } catch (RejectedExecutionException e) {
            callback.failed(e);
        }
    }

    private void schedule(Duration delay) {
        timer = request.getComponents().getScheduler().schedule(this::check, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Receiving has ended: no more reading, no timer, and the buffer leaves the budget. */
    private void finish() {
        done = true;
        if (timer != null) {
            timer.cancel();
        }
        bytes.release();
    }

    private ReceivedBody tooSlow() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String expected = declaredBytes >= 0 ? " of " + declaredBytes : "";
        return ReceivedBody.refused(ReceivedBody.Outcome.TOO_SLOW, String.format(Locale.ROOT,
                "the request body came too slowly: %d%s bytes in %.1f s; %s", bytes.size(), expected, seconds,
                limits.pace().describe()));
    }

    private Runnable handOnLater(ReceivedBody body) {
        return () -> handOn(body);
    }

    /** Gives the request, with its body as an attribute, to the next handler. */
    private void handOn(ReceivedBody body) {
        request.setAttribute(ReceivedBody.ATTRIBUTE, body);
        try {
            if (!next.handle(request, response, callback)) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
        } catch (Throwable t) {
            Response.writeError(request, response, callback, t);
        }
    }

    /** The connection failed before the body was whole: one line, no stack trace, and the request ends. */
    private void abandon(Throwable failure) {
        Server server = next.getServer();
        String what = server != null && !server.isRunning() ? "the daemon is stopping"
                : failure instanceof IOException ? "the client went away" : "the body could not be read";
        log.info("{} {} from {}: {}, with {}{} bytes of the body received ({})", request.getMethod(),
                Request.getPathInContext(request), Request.getRemoteAddr(request), what, bytes.size(),
                declaredBytes >= 0 ? " of " + declaredBytes : "", failure.toString());
        callback.failed(failure);
    }
}
