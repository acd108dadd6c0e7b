package dev.interpreterd.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.exec.control.Frame;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the steps of one execution happened, the daemon's and the runner's, logged as one line of
 * JSON at debug level by the logger {@code dev.interpreterd.timeline}: milliseconds from the moment
 * the execution began, negative for what the box did ahead of it, and the page faults the runner's
 * steps cost. The benchmark turns these lines into its breakdown of an execution. Off, it costs nothing.
 */
final class Timeline {

    private static final Logger log = LoggerFactory.getLogger("dev.interpreterd.timeline");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double NANOS_PER_MILLI = 1e6;

    private final boolean on = log.isDebugEnabled();
    private final long start = System.nanoTime();
    private final Map<String, Long> marks = new LinkedHashMap<>();

    /** Notes that {@code step} happened now. */
    void mark(String step) {
        if (on) {
            marks.put(step, System.nanoTime());
        }
    }

    /** Logs the line, with the runner's own timeline from its exit frame, if it sent one. */
    void log(String sessionId, Frame.Exit exit) {
        if (!on) {
            return;
        }
        ObjectNode line = JSON.createObjectNode().put("execution", sessionId);
        ObjectNode daemon = line.putObject("daemon");
        marks.forEach((step, nanos) -> daemon.put(step, millis(nanos)));
        JsonNode runner = exit == null ? null : exit.timeline();
        if (runner != null) {
            ObjectNode stamps = line.putObject("runner");
            runner.path("stamps").fields().forEachRemaining(e -> stamps.put(e.getKey(), millis(e.getValue().asLong())));
            line.set("faults", runner.path("faults"));
        }
        log.debug("timeline {}", line);
    }

    private double millis(long nanos) {
        return Math.round((nanos - start) / NANOS_PER_MILLI * 1000) / 1000.0;
    }
}
