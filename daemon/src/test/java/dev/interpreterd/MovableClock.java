package dev.interpreterd;

import dev.interpreterd.units.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A clock that stands still until the test moves it. It counts its reads of the time of day: a
 * daemon whose contexts are idle reads it only to decide which have idled out, so a test can wait
 * for that decision instead of for the time it takes.
 */
public final class MovableClock implements Clock {

    private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    private long nanos = 1_000_000_000L;
    private Instant instant = Instant.parse("2026-01-01T00:00:00Z");
    private long instantReads;

    /** Moves both the monotonic time and the time of day on by {@code by}. */
    public synchronized void advance(Duration by) {
        nanos += by.toNanos();
        instant = instant.plus(by);
    }

    /**
     * Waits until the time of day has been read {@code reads} more times from now.
     *
     * @throws AssertionError when that takes longer than 30 s
     */
    public synchronized void awaitInstantReads(int reads) throws InterruptedException {
        long target = instantReads + reads;
        long deadline = System.nanoTime() + LONGEST_WAIT.toNanos();
        while (instantReads < target) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the clock was read " + (instantReads - target + reads) + " of " + reads
                        + " times in " + LONGEST_WAIT.toSeconds() + " s");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant instant() {
        instantReads++;
        notifyAll();
        return instant;
    }
}
