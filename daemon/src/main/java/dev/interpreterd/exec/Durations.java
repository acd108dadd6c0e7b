package dev.interpreterd.exec;

import java.math.BigDecimal;
import java.time.Duration;

/** Formatting of durations for messages and logs. */
final class Durations {

    private Durations() {
    }

    /** "1 second", "2.5 seconds". */
    static String seconds(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros();
        String number = seconds.scale() < 0 ? seconds.setScale(0).toPlainString() : seconds.toPlainString();
        return number + (seconds.compareTo(BigDecimal.ONE) == 0 ? " second" : " seconds");
    }

    /** Milliseconds with one decimal, for JSON. */
    static double millis(long nanos) {
        return Math.round(nanos / 100_000.0) / 10.0;
    }
}
