package dev.interpreterd.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 connections up to a cap; past it, a new connection gets a 503 at once (a {@link Refusal})
 * rather than waiting in the kernel's accept queue for one to close. Refusals are bounded too: past
 * {@link #MAX_REFUSING} at once, a connection is closed with no answer.
 */
final class ConnectionCap extends HttpConnectionFactory {

    /** Refusals lingering at once before further connections are closed unanswered. */
    static final int MAX_REFUSING = 128;
    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
    private static final ByteBuffer NO_ANSWER = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final int maxConnections;
    private final ByteBuffer answer;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refusing = new AtomicInteger();
    private final AtomicBoolean full = new AtomicBoolean();
    private final AtomicLong refused = new AtomicLong();
    private final Connection.Listener openCount = new Connection.Listener() {
        @Override
        public void onClosed(Connection connection) {
            // Below three quarters of the cap, so that a flood at the edge logs once, not at every close.
            if (open.decrementAndGet() <= maxConnections * 3 / 4 && full.compareAndSet(true, false)) {
                log.info("connections are below the limit again; {} were refused", refused.getAndSet(0));
            }
        }
    };
    private final Connection.Listener refusingCount = new Connection.Listener() {
        @Override
        public void onClosed(Connection connection) {
            refusing.decrementAndGet();
        }
    };

    /**
     * A factory of HTTP/1.1 connections that takes {@code maxConnections} at once.
     *
     * @param configuration the HTTP configuration of the connections taken
     * @param maxConnections connections open at once
     * @param refusalBody the JSON body of the 503 that refused connections get
     */
    ConnectionCap(HttpConfiguration configuration, int maxConnections, byte[] refusalBody) {
        super(configuration);
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("the connection cap must be positive");
        }
        this.maxConnections = maxConnections;
        this.answer = answer(refusalBody);
    }

    /** An HTTP connection while there is room under the cap, else a {@link Refusal}. */
    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        if (open.incrementAndGet() <= maxConnections) {
            Connection connection = super.newConnection(connector, endPoint);
            connection.addEventListener(openCount);
            return connection;
        }
        open.decrementAndGet();
        refused.incrementAndGet();
        if (full.compareAndSet(false, true)) {
            log.warn("{} connections are open, the limit: new ones get 503 until some close", maxConnections);
        }
        boolean answered = refusing.incrementAndGet() <= MAX_REFUSING;
        Refusal refusal = new Refusal(endPoint, connector.getExecutor(), answered ? answer.duplicate() : NO_ANSWER);
        refusal.addEventListener(refusingCount);
        return refusal;
    }

    /** The whole 503 response, written before the request is read, so that it says to close. */
    private static ByteBuffer answer(byte[] body) {
        String head = "HTTP/1.1 503 Service Unavailable\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + (body.length + 1) + "\r\n"
                + "Retry-After: 1\r\n"
                + "Connection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.allocate(headBytes.length + body.length + 1);
        buffer.put(headBytes).put(body).put((byte) '\n').flip();
        return buffer.asReadOnlyBuffer();
    }
}
