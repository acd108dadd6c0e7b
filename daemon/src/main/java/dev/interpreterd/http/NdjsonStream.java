package dev.interpreterd.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.exec.ErrorInfo;
import dev.interpreterd.exec.ExecutionListener;
import dev.interpreterd.exec.ExecutionResult;
import dev.interpreterd.exec.Output;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A streaming answer: one JSON object per line, flushed as things happen. {@code start} first,
 * then {@code stdout}, {@code stderr}, {@code result} and {@code display} frames as the code
 * produces them, {@code keepalive} during long silences, an {@code error} frame when there is one,
 * and {@code end} last with the summary fields of the plain answer. A client that goes away stops
 * the execution, as its timeout would.
 */
final class NdjsonStream implements ExecutionListener {

    /** The media type a client asks for with its Accept header. */
    static final String MEDIA_TYPE = "application/x-ndjson";

    private final Context ctx;
    private final ObjectMapper json;
    private final ScheduledExecutorService timer;
    private final Duration keepalive;
    private OutputStream out;
    private Stopper stopper = reason -> { };
    private ScheduledFuture<?> keepalives;
    private long lastWriteNanos;
    private boolean broken;

    NdjsonStream(Context ctx, ObjectMapper json, ScheduledExecutorService timer, Duration keepalive) {
        this.ctx = ctx;
        this.json = json;
        this.timer = timer;
        this.keepalive = keepalive;
    }

    /** True when the request's Accept header asks for a stream. */
    static boolean wanted(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains(MEDIA_TYPE);
    }

    /** True once the status line went out: from then on, problems are told in frames. */
    synchronized boolean committed() {
        return out != null;
    }

    @Override
    public synchronized void started(String sessionId, Stopper stopper) {
        this.stopper = stopper;
        ctx.status(200);
        ctx.res().setContentType(MEDIA_TYPE);
        ctx.res().setHeader("Cache-Control", "no-cache");
        // Proxies such as nginx would otherwise hold the frames back.
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            out = ctx.res().getOutputStream();
        } catch (IOException e) {
            broken = true;
            return;
        }
        write(frame("start", "sessionId", sessionId));
        long period = keepalive.toNanos();
        keepalives = timer.scheduleAtFixedRate(this::keepalive, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void stdout(String text) {
        write(frame("stdout", "text", text));
    }

    @Override
    public void stderr(String text) {
        write(frame("stderr", "text", text));
    }

    @Override
    public void output(Output output) {
        write(frame(output.type(), "data", output.data()));
    }

    /** Sends the error, if any, and the end frame, and closes the stream. */
    synchronized void finish(ExecutionResult result) {
        stopKeepalives();
        ErrorInfo error = result.error();
        if (error != null) {
            Map<String, Object> frame = frame("error", "name", error.name());
            frame.put("value", error.value());
            frame.put("traceback", error.traceback());
            write(frame);
        }
        Map<String, Object> end = frame("end", "sessionId", result.sessionId());
        end.put("status", result.status());
        end.put("exitCode", result.exitCode());
        end.put("signal", result.signal());
        end.put("stdoutTruncated", result.stdoutTruncated());
        end.put("stderrTruncated", result.stderrTruncated());
        end.put("resultsTruncated", result.resultsTruncated());
        end.put("contextId", result.contextId());
        end.put("contextRestarted", result.contextRestarted());
        end.put("durationMs", result.durationMs());
        write(end);
        close();
    }

    /** Ends a stream whose execution failed inside the daemon, with an error frame and no end frame. */
    synchronized void fail(String message) {
        stopKeepalives();
        Map<String, Object> frame = frame("error", "name", "DaemonError");
        frame.put("value", message);
        // Every error frame has the same fields; the daemon's own failure has no Python traceback.
        frame.put("traceback", List.of());
        write(frame);
        close();
    }

    private synchronized void keepalive() {
        if (System.nanoTime() - lastWriteNanos >= keepalive.toNanos()) {
            write(frame("keepalive", "type", "keepalive"));
        }
    }

    private synchronized void write(Map<String, Object> frame) {
        if (broken || out == null) {
            return;
        }
        try {
            byte[] line = json.writeValueAsBytes(frame);
            out.write(line);
            out.write('\n');
            out.flush();
            lastWriteNanos = System.nanoTime();
        } catch (IOException e) {
            broken = true;
            stopKeepalives();
            stopper.stop("the client disconnected");
        }
    }

    private void close() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            broken = true;
        }
    }

    private void stopKeepalives() {
        if (keepalives != null) {
            keepalives.cancel(false);
        }
    }

    private static Map<String, Object> frame(String type, String key, Object value) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", type);
        frame.put(key, value);
        return frame;
    }
}
