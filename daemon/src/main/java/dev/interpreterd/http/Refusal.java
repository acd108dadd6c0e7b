package dev.interpreterd.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * A connection past the cap: it answers a fixed 503 at once, without reading the request, and
 * closes. Until the client closes too (at most {@link #LINGER}), what it sends is read and dropped,
 * since closing with unread data would reset the connection and could destroy the answer before the
 * client reads it.
 */
final class Refusal extends AbstractConnection {

    /** How long a refused client has to read the answer and close: 1 s. */
    static final Duration LINGER = Duration.ofSeconds(1);
    private static final int MAX_DRAINED_BYTES = 64 * 1024;

    private final ByteBuffer answer;
    private final ByteBuffer drain = BufferUtil.allocate(1024);
    private long drained;

    /**
     * A refusal that writes {@code answer}, a whole HTTP response, to {@code endPoint}; with an empty
     * answer, it closes the connection as soon as it opens.
     */
    Refusal(EndPoint endPoint, Executor executor, ByteBuffer answer) {
        super(endPoint, executor);
        this.answer = answer;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        if (!answer.hasRemaining()) {
            close();
            return;
        }
        getEndPoint().setIdleTimeout(LINGER.toMillis());
        getEndPoint().write(Callback.from(this::answered, failure -> close()), answer);
    }

    private void answered() {
        getEndPoint().shutdownOutput();
        fillInterested();
    }

    @Override
    public void onFillable() {
        try {
            while (true) {
                BufferUtil.clear(drain);
                int read = getEndPoint().fill(drain);
                drained += Math.max(0, read);
                if (read < 0 || drained > MAX_DRAINED_BYTES) {
                    close();
                    return;
                }
                if (read == 0) {
                    fillInterested();
                    return;
                }
            }
        } catch (IOException e) {
            close();
        }
    }
}
