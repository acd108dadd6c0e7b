package dev.interpreterd.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the daemon can run code yet. HTTP listens from the first moments of the start; until the
 * handlers are here {@code /health} answers 503 {@code starting}, and every other route waits for
 * them, at most {@link #WAIT}, then answers that 503 too.
 */
final class Readiness {

    /** How long a request waits for the start: 30 s, far more than a start takes, even with large preloads. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final CompletableFuture<Handlers> handlers = new CompletableFuture<>();

    /** The daemon can run code: requests waiting go on, with these handlers. */
    void open(Handlers ready) {
        handlers.complete(ready);
    }

    /** The daemon stops before it could run code: requests waiting are answered 503 {@code shutting_down}. */
    void close() {
        handlers.cancel(false);
    }

    /** The handlers if the daemon can run code now. */
    Optional<Handlers> now() {
        return handlers.isDone() && !handlers.isCompletedExceptionally() ? Optional.of(handlers.join())
                : Optional.empty();
    }

    /** The handlers, once the daemon can run code; the start's 503 after {@link #WAIT} without them. */
    Handlers await() throws InterruptedException {
        try {
            return handlers.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw starting();
        } catch (ExecutionException | CancellationException e) {
            throw new ApiException(503, "shutting_down", "the daemon is shutting down");
        }
    }

    /** 503 {@code starting}: the answer of {@code /health} before the daemon can run code. */
    static ApiException starting() {
        return new ApiException(503, "starting", "the daemon is starting and cannot run code yet; it answers"
                + " /health with 200 once it can");
    }
}
