package dev.interpreterd.units;

import java.math.BigDecimal;
import java.time.Duration;

/** Formatting of durations for messages and logs. */
public final class Durations {

    private Durations() {
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
