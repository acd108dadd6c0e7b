package dev.interpreterd;

import dev.interpreterd.units.Durations;
import java.time.Duration;
import java.util.function.Supplier;

/** Polling in tests: waits, within a bound, until a condition holds, and fails naming what it awaited. */
public final class Eventually {

    /** How long {@link #eventually(String, Condition)} waits: 10 seconds. */
    public static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 10;

    private Eventually() {
    }

    /** A check polled until it returns true; an exception it throws fails the wait at once. */
    @FunctionalInterface
    public interface Condition {

        /** True once the awaited state is reached. */
        boolean holds() throws Exception;
    }

    /** Waits up to {@link #PATIENCE} until {@code condition} holds; {@code what} describes that state. */
    public static void eventually(String what, Condition condition) {
        eventually(what, PATIENCE, condition);
    }

    /**
     * Waits up to {@code within} until {@code condition} holds, checking it every 10 ms.
     *
     * @throws AssertionError naming {@code what} when it still does not hold by then
     */
    public static void eventually(String what, Duration within, Condition condition) {
        eventually(() -> what, within, condition);
    }

    /**
     * Waits up to {@code within} until {@code condition} holds; {@code what} is asked only on failure,
     * so that it can tell the last state seen.
     *
     * @throws AssertionError naming {@code what} when it still does not hold by then
     */
    public static void eventually(Supplier<String> what, Duration within, Condition condition) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (!condition.holds()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("not so after " + Durations.number(within) + " s: " + what.get());
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting until " + what.get(), e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("could not check whether " + what.get(), e);
        }
    }
}
