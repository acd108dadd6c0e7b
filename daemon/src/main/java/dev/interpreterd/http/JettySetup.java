package dev.interpreterd.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.jetty.server.ServerConnector;

/**
 * How the daemon's Jetty takes connections and request bodies, so that slow or stuck clients cannot
 * keep others waiting: connections are capped ({@link ConnectionCap}), bodies are received in full
 * before a request reaches a thread of the pool ({@link BodyBuffer}), at a minimum pace
 * ({@link BodyPace}).
 */
final class JettySetup {

    /**
     * How long a connection may stay silent: 30 s, Jetty's default, written down. It ends kept-alive
     * connections that are not used, clients that send part of their headers and stop, and clients
     * that stop reading an answer. A request whose handler is waiting for an execution, even for an
     * hour, has no read or write pending, and Jetty's servlet layer does not end such a request when
     * its connection is idle.
     */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Connections the kernel holds until the daemon accepts them: 512 rather than Java's 50, so that a
     * burst of connections is accepted (and past the cap refused) at once, instead of having its
     * connection attempts dropped and retried by the clients a second later.
     */
    static final int ACCEPT_QUEUE = 512;

    /**
     * The system property Jetty reads for the references that fit in a CPU cache line. Without it,
     * Jetty asks the JVM's management beans whether object references are compressed, which loads
     * and starts JMX: about a tenth of the daemon's start.
     */
    private static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";
    /** The system property of the cache line's size, and Jetty's default for it. */
    private static final String CACHE_LINE_BYTES = "org.eclipse.jetty.util.cacheLineBytes";
    private static final int DEFAULT_CACHE_LINE_BYTES = 64;
    /** Heaps below 32 GiB use compressed (4-byte) references, as HotSpot does by default. */
    private static final long COMPRESSED_REFERENCES_MAX_HEAP_BYTES = 32L << 30;

    private JettySetup() {
    }

    /**
     * Tells Jetty the references per cache line, as Jetty would work it out, unless the JVM's options
     * set it; call before the first Jetty class loads.
     */
    static void avoidManagementBeans() {
        int referenceBytes = Runtime.getRuntime().maxMemory() < COMPRESSED_REFERENCES_MAX_HEAP_BYTES ? 4 : 8;
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            int lineBytes = Integer.getInteger(CACHE_LINE_BYTES, DEFAULT_CACHE_LINE_BYTES);
            System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(lineBytes / referenceBytes));
        }
    }

    /**
     * Listens on {@code host:port} through a connector that takes {@code maxConnections} at once, and
     * puts a {@link BodyBuffer} in front of Javalin's handlers.
     *
     * @param json writes the body of the 503 that connections past the cap get, when the server starts
     */
    static void apply(JavalinConfig cfg, String host, int port, int maxConnections, BodyLimits limits,
                      Supplier<ObjectMapper> json) {
        cfg.jetty.modifyServer(server -> server.insertHandler(new BodyBuffer(limits)));
        cfg.jetty.addConnector((server, http) -> {
            byte[] refusal = refusal(maxConnections, json.get());
            ServerConnector connector = new ServerConnector(server, new ConnectionCap(http, maxConnections, refusal));
            connector.setHost(host);
            connector.setPort(port);
            connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
            connector.setAcceptQueueSize(ACCEPT_QUEUE);
            return connector;
        });
    }

    /** The JSON error that connections past the cap get. */
    private static byte[] refusal(int maxConnections, ObjectMapper json) {
        ApiException refusal = new ApiException(503, "too_many_connections", "the daemon has " + maxConnections
                + " connections open, as many as it takes; try again shortly");
        try {
            return json.writeValueAsBytes(refusal.body());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the refusal cannot be written as JSON", e);
        }
    }
}
