package dev.interpreterd.mcp;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the client of a modern call closed the call's response stream, which is how the
 * modern era cancels a call, and then cancels it. A closed connection shows only when something is
 * written to it, so the watch writes an SSE comment, which clients ignore, every {@link #INTERVAL}:
 * the second write after the client left fails.
 */
final class StreamWatch implements AutoCloseable {

    /** How often the stream is probed. */
    static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(StreamWatch.class);

    private final McpStream.Sink sink;
    private final Runnable onClosed;
    /** Guarded by this. */
    private boolean done;
    private volatile ScheduledFuture<?> probes;

    private StreamWatch(McpStream.Sink sink, Runnable onClosed) {
        this.sink = sink;
        this.onClosed = onClosed;
    }

    /** Probes {@code sink} on {@code timer} and runs {@code onClosed} once, when the client has gone. */
    static StreamWatch start(McpStream.Sink sink, ScheduledExecutorService timer, Runnable onClosed) {
        StreamWatch watch = new StreamWatch(sink, onClosed);
        try {
            watch.probes = timer.scheduleWithFixedDelay(watch::probe, INTERVAL.toMillis(), INTERVAL.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            watch.done = true; // the daemon is stopping, and stops the call itself
        }
        return watch;
    }

    private void probe() {
        synchronized (this) {
            if (done) {
                return;
            }
            try {
                sink.comment();
                return;
            } catch (IOException | RuntimeException e) {
                done = true;
                log.info("an MCP client closed the stream of a running call, which cancels it: {}", e.toString());
            }
        }
        probes.cancel(false);
        onClosed.run();
    }

    /** Stops probing; when this returns, no probe writes any more. */
    @Override
    public void close() {
        synchronized (this) {
            done = true;
        }
        ScheduledFuture<?> scheduled = probes;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }
}
