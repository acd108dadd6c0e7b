package dev.interpreterd.exec.control;

import dev.interpreterd.os.Threads;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's unix control socket, in the private runner directory. Each worker connects once and
 * proves who it is with the secret the daemon wrote on its stdin; the connection is then handed to
 * whoever is expecting that secret.
 */
public final class ControlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);

    private final ServerSocketChannel server;
    private final Path socketPath;
    private final ObjectMapper json;
    /** Cuts off peers that connect and never say hello. */
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Threads.named("interpreterd-hello"));
    private final Map<String, CompletableFuture<ControlConnection>> expected = new ConcurrentHashMap<>();
    private final ExecutorService handshakes = Executors.newCachedThreadPool(Threads.named("interpreterd-handshake"));
    private final Thread acceptor;
    private final SecureRandom random = new SecureRandom();

    public ControlServer(Path socketPath, ObjectMapper json) throws IOException {
        this.socketPath = socketPath;
        this.json = json;
        Files.deleteIfExists(socketPath);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        this.acceptor = Threads.named("interpreterd-control").newThread(this::acceptLoop);
        acceptor.start();
    }

    /** The socket's path, passed to each worker. */
    public Path socketPath() {
        return socketPath;
    }

    /**
     * A one-time secret for a worker about to start, and the connection it will open.
     *
     * @param secret 128 random bits in hex, handed to the worker out of band
     * @param connection completes when the worker holding the secret connects
     */
    public record Expectation(String secret, CompletableFuture<ControlConnection> connection) {
    }

    /** Registers a new secret; its future completes when the worker holding it connects. */
    public Expectation expect() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String secret = HexFormat.of().formatHex(bytes);
        CompletableFuture<ControlConnection> connection = new CompletableFuture<>();
        expected.put(secret, connection);
        // A worker that will never connect must not leave its secret behind.
        connection.whenComplete((c, e) -> expected.remove(secret, connection));
        return new Expectation(secret, connection);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                try {
                    handshakes.execute(() -> handshake(channel));
                } catch (RejectedExecutionException e) {
                    closeQuietly(channel); // closing down
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("control socket accept failed: {}", e.toString());
            }
        }
    }

    private void handshake(SocketChannel channel) {
        ControlConnection.Greeted greeted;
        // A peer that connects and never speaks is cut off instead of holding a thread forever.
        var deadline = timer.schedule(() -> closeQuietly(channel), HELLO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            greeted = ControlConnection.greet(channel, json);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            return;
        } finally {
            deadline.cancel(false);
        }
        Frame.Hello hello = greeted.hello();
        ControlConnection connection = greeted.connection();
        CompletableFuture<ControlConnection> waiting = expected.remove(Objects.requireNonNullElse(hello.secret(), ""));
        if (waiting != null && hello.error() != null) {
            // The runner could not become what it was asked to be, and says why.
            waiting.completeExceptionally(new IOException(hello.error()));
            connection.close();
        } else if (waiting == null || !waiting.complete(connection)) {
            connection.close();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket whose peer is gone has nothing left to report.
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.warn("closing the control socket failed: {}", e.toString());
        }
        handshakes.shutdownNow();
        timer.shutdownNow();
        expected.values().forEach(f -> f.completeExceptionally(new IOException("the daemon is shutting down")));
    }
}
