package dev.interpreterd.http;

import dev.interpreterd.units.Durations;
import dev.interpreterd.units.Sizes;
import java.time.Duration;

/**
 * How fast a request body must arrive once its headers have: within {@code base} plus one second for
 * every {@code minBytesPerSecond} bytes, and with no pause longer than {@code longestPause}. A client
 * that falls behind is cut off, so that it holds neither a connection nor memory for long.
 *
 * @param base time every body gets, whatever its size
 * @param minBytesPerSecond the slowest rate a large body may come at
 * @param longestPause the longest silence allowed in the middle of a body
 */
record BodyPace(Duration base, long minBytesPerSecond, Duration longestPause) {

    /**
     * 10 s, plus 1 s for every 64 KiB (512 kbit/s, slower than any link a client of the daemon is
     * likely to use), with pauses of at most 10 s. A body of a few KiB must come within 10 s; one of
     * 10 MiB, the default {@code --max-body}, within 170 s. A client that sends half a body and waits
     * is cut off 10 s after its last byte.
     */
    static final BodyPace DEFAULT = new BodyPace(Duration.ofSeconds(10), 64 * 1024, Duration.ofSeconds(10));

    BodyPace {
        if (base.isNegative() || base.isZero() || longestPause.isNegative() || longestPause.isZero()) {
            throw new IllegalArgumentException("a body's base time and longest pause must be positive");
        }
        // Up to 1 GiB/s, so that the arithmetic of allowed() cannot overflow.
        if (minBytesPerSecond <= 0 || minBytesPerSecond > 1L << 30) {
            throw new IllegalArgumentException("a body's minimum rate must be between 1 byte and 1 GiB a second");
        }
    }

    /** The whole time a body of {@code bytes} (not negative) may take, from the end of the headers to its last byte. */
    Duration allowed(long bytes) {
        long fraction = (bytes % minBytesPerSecond) * 1_000_000_000L / minBytesPerSecond;
        return base.plusSeconds(bytes / minBytesPerSecond).plusNanos(fraction);
    }

    /**
     * How long a body may still take, or zero when it is late: {@code elapsed} since its headers,
     * {@code sinceLastByte} since anything came, {@code expectedBytes} its declared length (or what
     * came so far, when the length is not declared).
     */
    Duration remaining(Duration elapsed, Duration sinceLastByte, long expectedBytes) {
        Duration total = allowed(expectedBytes).minus(elapsed);
        Duration pause = longestPause.minus(sinceLastByte);
        Duration left = total.compareTo(pause) < 0 ? total : pause;
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** The rule in words, for the message a late client gets. */
    String describe() {
        return "a body must arrive within " + Durations.seconds(base) + " plus 1 s for every "
                + Sizes.format(minBytesPerSecond) + ", with no pause over " + Durations.seconds(longestPause);
    }
}
