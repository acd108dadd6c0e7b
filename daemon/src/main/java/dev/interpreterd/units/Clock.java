package dev.interpreterd.units;

import java.time.Instant;

/**
 * Where code that decides on an idle timeout reads the time, so that tests can move time instead
 * of waiting for it. {@link #SYSTEM} reads the machine's clocks.
 */
public interface Clock {

    /** The machine's clocks: {@link System#nanoTime()} and {@link Instant#now()}. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }
    };

    /** A monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences between two mean anything. */
    long nanoTime();

    /** The time of day, for times that clients are shown. */
    Instant instant();
}
