package dev.interpreterd.units;

import java.time.Duration;

/**
 * The moment a bounded wait gives up, on the monotonic clock: every wait in the daemon that loops or
 * waits in several steps takes its time from one of these.
 *
 * @param nanos the moment, as {@link System#nanoTime()} reads it
 */
public record Deadline(long nanos) {

    /** The moment {@code timeout} from now. */
    public static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos());
    }

    /** True once the moment has come. */
    public boolean passed() {
        return System.nanoTime() - nanos >= 0;
    }

    /** What is left until the moment, in nanoseconds; 0 once it has passed. */
    public long remainingNanos() {
        return Math.max(0, nanos - System.nanoTime());
    }
}
