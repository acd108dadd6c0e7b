package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.exec.ExecutionListener;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code notifications/progress} of one {@code tools/call}, and its response last, on one stream.
 * The output threads only note the text; a tick on the timer sends a notification at most every
 * {@link #MIN_INTERVAL} while output comes, and a heartbeat after {@code heartbeat} without one.
 * Every send holds one lock, so nothing follows the response. A client that stops reading is not
 * a cancellation: the call runs on and the rest is dropped.
 */
final class ProgressReporter implements ExecutionListener, AutoCloseable {

    /** The shortest time between two notifications. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(250);
    /** The longest silence, whatever {@code --keepalive} says: clients' idle watchdogs must never fire. */
    static final Duration MAX_HEARTBEAT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(ProgressReporter.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode token;
    private final McpStream.Sink sink;
    private final ScheduledExecutorService timer;
    private final long heartbeatNanos;
    private final long startNanos = System.nanoTime();
    /** Guards the fields below it; never held while writing, so output threads never wait for the client. */
    private final Object state = new Object();
    private final ProgressText text = new ProgressText();
    private boolean fresh;
    private boolean closed;
    private long lastSentNanos = startNanos - MIN_INTERVAL.toNanos();
    /** Only the tick of this generation sends; a newer plan makes older ticks stale. */
    private long generation;
    private ScheduledFuture<?> next;
    /** Serialises writes, progress and response alike; guards the fields below it. */
    private final Object wire = new Object();
    private long sent;
    private boolean broken;

    private ProgressReporter(JsonNode token, McpStream.Sink sink, ScheduledExecutorService timer, Duration heartbeat) {
        this.token = token;
        this.sink = sink;
        this.timer = timer;
        this.heartbeatNanos = Math.max(MIN_INTERVAL.toNanos(), Math.min(heartbeat.toNanos(), MAX_HEARTBEAT.toNanos()));
    }

    /**
     * Reports to {@code sink} under {@code token}, ticking on {@code timer}: the first heartbeat is due
     * {@code heartbeat} (kept between {@link #MIN_INTERVAL} and {@link #MAX_HEARTBEAT}) from now,
     * unless output comes first.
     */
    static ProgressReporter start(JsonNode token, McpStream.Sink sink, ScheduledExecutorService timer,
                                  Duration heartbeat) {
        ProgressReporter reporter = new ProgressReporter(token, sink, timer, heartbeat);
        synchronized (reporter.state) {
            reporter.plan(reporter.heartbeatNanos);
        }
        return reporter;
    }

    /** The progress token of a request that asks for notifications: a string or an integer in {@code _meta}. */
    static Optional<JsonNode> token(JsonRpcMessage request) {
        JsonNode token = request.params().path("_meta").path("progressToken");
        return token.isTextual() || token.isIntegralNumber() ? Optional.of(token) : Optional.empty();
    }

    @Override
    public void stdout(String output) {
        heard(output);
    }

    @Override
    public void stderr(String output) {
        heard(output);
    }

    /** Stops the notifications and sends the response, the stream's last message. */
    void finish(JsonNode response) {
        close();
        synchronized (wire) {
            send(response);
        }
    }

    /** Stops the notifications; a tick that is due sends nothing. */
    @Override
    public void close() {
        synchronized (state) {
            closed = true;
            generation++;
            if (next != null) {
                next.cancel(false);
            }
        }
    }

    /** Notes output; a notification follows at once, or when {@link #MIN_INTERVAL} since the last one is up. */
    private void heard(String output) {
        synchronized (state) {
            text.add(output);
            if (fresh || closed) {
                return; // a tick is due already and will show this too
            }
            fresh = true;
            plan(Math.max(0, lastSentNanos + MIN_INTERVAL.toNanos() - System.nanoTime()));
        }
    }

    private void tick(long planned) {
        synchronized (wire) {
            String message;
            synchronized (state) {
                if (closed || planned != generation) {
                    return;
                }
                message = text.message(Duration.ofNanos(System.nanoTime() - startNanos));
                fresh = false;
                lastSentNanos = System.nanoTime();
                plan(heartbeatNanos);
            }
            ObjectNode params = NODES.objectNode();
            params.set("progressToken", token);
            params.put("progress", ++sent);
            params.put("message", message);
            send(JsonRpc.notification("notifications/progress", params));
        }
    }

    /** The next tick, {@code delayNanos} from now, in place of any planned before; guarded by {@code state}. */
    private void plan(long delayNanos) {
        if (next != null) {
            next.cancel(false);
        }
        long planned = ++generation;
        try {
            next = timer.schedule(() -> tick(planned), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            closed = true; // the daemon is stopping; the response still comes
        }
    }

    /** Writes one message unless the client went away; guarded by {@code wire}. */
    private void send(JsonNode message) {
        if (broken) {
            return;
        }
        try {
            sink.send(message);
        } catch (IOException e) {
            broken = true;
            log.info("an MCP client stopped reading the stream of a call: {}", e.toString());
        }
    }
}
