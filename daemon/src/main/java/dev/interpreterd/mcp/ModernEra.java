package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.exec.ExecutionListener;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP's modern era (2026-07-28): each request is checked on its own ({@link ModernRequest}) and
 * answered without a session. Results say they are complete and who answered; a {@code tools/call}
 * from a client that takes SSE is answered as a stream, which closing cancels ({@link StreamWatch}).
 */
final class ModernEra {

    /** The modern methods whose results may be cached, for how long. */
    private static final List<String> CACHEABLE = List.of("server/discover", "tools/list");
    private static final Duration CACHE_TTL = Duration.ofMinutes(5);
    private static final Logger log = LoggerFactory.getLogger(ModernEra.class);

    private final McpMethods methods;
    private final ScheduledExecutorService timer;
    private final Duration heartbeat;

    /** Answers with {@code methods}; probes streams and times progress on {@code timer}. */
    ModernEra(McpMethods methods, ScheduledExecutorService timer, Duration heartbeat) {
        this.methods = methods;
        this.timer = timer;
        this.heartbeat = heartbeat;
    }

    /**
     * A modern message: checked, then answered without a session. A {@code tools/call} from a client
     * that takes SSE is answered as a stream, so that closing it cancels the call; its progress, if
     * it asks for it, goes on that stream too. Notifications change nothing here: a modern call is
     * cancelled by closing its stream.
     */
    McpAnswer post(JsonRpcMessage message, McpHeaders headers) {
        if (message.kind() != JsonRpcMessage.Kind.REQUEST) {
            return McpAnswer.empty(202);
        }
        Optional<McpAnswer> refused = ModernRequest.refusal(message, headers, McpMethods.MODERN);
        if (refused.isPresent()) {
            return refused.get();
        }
        if (!message.method().equals("tools/call") || !headers.acceptsEventStream()) {
            return McpAnswer.json(200, answer(message, new CallStop(), ExecutionListener.NONE));
        }
        Optional<JsonNode> token = ProgressReporter.token(message);
        return McpAnswer.streamed(sink -> {
            CallStop stop = new CallStop();
            try (StreamWatch watch = StreamWatch.start(sink, timer,
                    () -> stop.cancel("the client closed the call's response stream"))) {
                if (token.isPresent()) {
                    try (ProgressReporter progress = ProgressReporter.start(token.get(), sink, timer, heartbeat)) {
                        JsonNode response = answer(message, stop, progress);
                        watch.close();
                        progress.finish(response);
                    }
                } else {
                    JsonNode response = answer(message, stop, ExecutionListener.NONE);
                    watch.close();
                    try {
                        sink.send(response);
                    } catch (IOException e) {
                        log.info("an MCP client left before the answer to its call: {}", e.toString());
                    }
                }
            } finally {
                stop.ended();
            }
        });
    }

    /** The response to a modern request, whose result says it is complete, how long it may be cached, and who answered. */
    private JsonNode answer(JsonRpcMessage request, CallStop stop, ExecutionListener progress) {
        JsonNode response = methods.respond(Optional.empty(), request, stop, progress);
        if (response.get("result") instanceof ObjectNode result) {
            result.put("resultType", "complete");
            if (CACHEABLE.contains(request.method())) {
                result.put("ttlMs", CACHE_TTL.toMillis());
                result.put("cacheScope", "private");
            }
            JsonNode meta = result.get("_meta");
            (meta instanceof ObjectNode own ? own : result.putObject("_meta"))
                    .set(ModernRequest.SERVER_INFO_KEY, methods.serverInfo());
        }
        return response;
    }
}
