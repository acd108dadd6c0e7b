package dev.interpreterd.units;

import java.math.BigDecimal;
import java.time.Duration;

/** Formatting of durations for messages and logs, and how often idle things are looked for. */
public final class Durations {

    /** The longest pause between two looks for things idle past their timeout. */
    private static final Duration LONGEST_IDLE_CHECK = Duration.ofSeconds(10);

    private Durations() {
    }

    /**
     * How often to look for things idle past {@code idleTimeout}: a quarter of it, so that one ends at
     * most a quarter late, and at most every 10 s, at least every millisecond.
     */
    public static long idleCheckMillis(Duration idleTimeout) {
        return Math.max(1, Math.min(idleTimeout.toMillis() / 4, LONGEST_IDLE_CHECK.toMillis()));
    }

    /** The number of seconds without trailing zeros: "1", "2.5", "3600". */
    public static String number(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /** "1 second", "2.5 seconds". */
    public static String seconds(Duration duration) {
        return number(duration) + (duration.equals(Duration.ofSeconds(1)) ? " second" : " seconds");
    }

    /** Whole seconds, rounded up: 0.5 s is 1, 2 s is 2. */
    public static long wholeSecondsUp(Duration duration) {
        return duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
    }

    /** Milliseconds with one decimal, for JSON. */
    public static double millis(long nanos) {
        return Math.round(nanos / 100_000.0) / 10.0;
    }
}
