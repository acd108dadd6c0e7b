package dev.interpreterd.exec;

import static dev.interpreterd.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stock of boxes or started interpreters: what it hands out, ready or made on the spot, what it
 * does with what comes back, and that it never keeps more than its size.
 */
class StockTest {

    /** How long the making thread must wait for work to be taken as done. */
    private static final Duration QUIET = Duration.ofMillis(50);

    private final Maker maker = new Maker();
    private final List<Stock<Thing>> stocks = new ArrayList<>();

    @AfterEach
    void close() {
        maker.open.countDown();
        stocks.forEach(Stock::close);
    }

    @Test
    void take_hands_out_the_one_made_now_without_making_another() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        assertTrue(stock.anyReady());
        Thing taken = stock.take();
        assertEquals(1, taken.number);
        assertEquals(1, maker.made());
        assertFalse(stock.anyReady());
    }

    @Test
    void making_one_now_fails_with_the_makers_reason() {
        Stock<Thing> stock = stock(1, true);
        maker.failures = 1;
        IOException e = assertThrows(IOException.class, stock::makeOneNow);
        assertEquals("cannot make thing 1", e.getMessage());
        assertFalse(stock.anyReady());
    }

    @Test
    void with_none_ready_take_makes_one_on_the_spot_rather_than_wait() throws Exception {
        Stock<Thing> stock = stock(1, true);
        Thing taken = stock.take();
        assertEquals(1, taken.number);
        assertSame(Thread.currentThread(), taken.madeBy);
    }

    @Test
    void take_fresh_passes_over_the_ready_ones_and_leaves_them_ready() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        Thing fresh = stock.takeFresh();
        assertEquals(2, fresh.number);
        assertSame(Thread.currentThread(), fresh.madeBy);
        assertTrue(stock.anyReady());
        assertEquals(1, stock.take().number);
    }

    @Test
    void fill_makes_up_to_the_size_in_the_background_and_no_more() throws Exception {
        Stock<Thing> stock = stock(3, false);
        maker.open = new CountDownLatch(1);
        stock.fill();
        stock.fill(); // finds the stock full, counting those still being made
        assertFalse(stock.anyReady());
        maker.open.countDown();
        List<Thing> taken = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            eventually("number " + i + " is ready", stock::anyReady);
            taken.add(stock.take());
        }
        Thread making = taken.get(0).madeBy;
        assertNotSame(Thread.currentThread(), making);
        taken.forEach(thing -> assertSame(making, thing.madeBy, thing + " was made on the spot"));
        awaitQuiet(making);
        assertEquals(3, maker.made());
    }

    @Test
    void a_ready_one_that_died_is_closed_and_passed_over() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        Thing dead = stock.take();
        stock.giveBack(dead, true);
        dead.alive = false;
        Thing taken = stock.take();
        assertNotSame(dead, taken);
        assertTrue(dead.closed, "the dead one was not closed");
        assertTrue(taken.alive);
    }

    @Test
    void what_comes_back_for_reuse_is_handed_out_again() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        Thing taken = stock.take();
        stock.giveBack(taken, true);
        assertFalse(taken.closed);
        assertSame(taken, stock.take());
        assertEquals(1, maker.made());
    }

    @Test
    void what_comes_back_spent_is_closed_and_replaced() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        Thing taken = stock.take();
        stock.giveBack(taken, false);
        assertTrue(taken.closed);
        eventually("a replacement is ready", stock::anyReady);
        assertEquals(2, stock.take().number);
    }

    @Test
    void what_comes_back_dead_is_closed_and_replaced_even_if_it_could_go_again() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        Thing taken = stock.take();
        taken.alive = false;
        stock.giveBack(taken, true);
        assertTrue(taken.closed);
        eventually("a replacement is ready", stock::anyReady);
        assertEquals(2, stock.take().number);
    }

    @Test
    void a_stock_of_things_used_once_closes_what_comes_back_and_replaces_it() throws Exception {
        Stock<Thing> stock = stock(1, false);
        stock.makeOneNow();
        Thing taken = stock.take();
        stock.giveBack(taken, true);
        assertTrue(taken.closed);
        eventually("a replacement is ready", stock::anyReady);
        assertEquals(2, stock.take().number);
    }

    @Test
    void where_things_come_back_those_in_use_count_toward_the_size() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.fill();
        eventually("one is made in the background", stock::anyReady);
        Thing first = stock.take();
        Thing second = stock.take(); // made on the spot: the stock now hands out more than its size
        stock.giveBack(second, false); // not replaced, since the first still counts
        assertTrue(second.closed);
        awaitQuiet(first.madeBy);
        assertEquals(2, maker.made(), "the second was replaced while the first was in use");
        assertFalse(stock.anyReady());
        stock.giveBack(first, true);
        assertSame(first, stock.take());
    }

    @Test
    void where_things_are_used_once_those_in_use_do_not_count() throws Exception {
        Stock<Thing> stock = stock(1, false);
        stock.makeOneNow();
        Thing first = stock.take();
        Thing second = stock.take();
        stock.giveBack(second, false);
        eventually("the spent one is replaced while the other is in use", stock::anyReady);
        assertEquals(3, stock.take().number);
        assertFalse(first.closed);
    }

    @Test
    void never_more_than_the_size_are_kept_ready() throws Exception {
        Stock<Thing> stock = stock(1, true);
        stock.makeOneNow();
        Thing first = stock.take();
        Thing second = stock.take();
        stock.giveBack(first, true);
        stock.giveBack(second, true);
        assertFalse(first.closed);
        assertTrue(second.closed, "a second one was kept ready in a stock of one");
        assertSame(first, stock.take());
    }

    @Test
    void a_failure_to_make_one_on_the_spot_leaves_the_room_it_took() throws Exception {
        Stock<Thing> stock = stock(1, true);
        maker.failures = 1;
        assertThrows(IOException.class, stock::take);
        stock.fill();
        eventually("one is made in the background", stock::anyReady);
    }

    @Test
    void a_failure_to_make_one_in_the_background_leaves_the_room_it_took() throws Exception {
        Stock<Thing> stock = stock(1, true);
        maker.failures = 1;
        stock.fill();
        eventually("the first attempt is made", () -> maker.attempts() == 1);
        awaitQuiet(maker.lastThread);
        stock.fill();
        eventually("one is made in the background", stock::anyReady);
        assertEquals(1, stock.take().number);
    }

    @Test
    void close_closes_the_ready_ones_and_whatever_comes_back_later() throws Exception {
        Stock<Thing> stock = stock(2, true);
        stock.makeOneNow();
        stock.makeOneNow();
        Thing inUse = stock.take();
        Thing ready = stock.take();
        stock.giveBack(ready, true);
        stock.close();
        assertTrue(ready.closed, "a ready one was left open");
        assertFalse(inUse.closed, "one in use was closed under its user");
        assertFalse(stock.anyReady());
        stock.giveBack(inUse, true);
        assertTrue(inUse.closed);
        assertFalse(stock.anyReady());
        assertEquals(2, maker.made());
    }

    /**
     * Waits until the stock's making thread has waited for work for a while on end: it has made all
     * it was asked to, and its last make has passed through the stock.
     */
    private static void awaitQuiet(Thread making) {
        long[] since = {System.nanoTime()};
        eventually("the stock's making thread waits for work", () -> {
            if (making.getState() != Thread.State.WAITING) {
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] >= QUIET.toNanos();
        });
    }

    private Stock<Thing> stock(int size, boolean reused) {
        Stock<Thing> stock = new Stock<>("a thing", size, maker, thing -> thing.alive, reused);
        stocks.add(stock);
        return stock;
    }

    /** Numbers what it makes 1, 2, 3…; fails its first {@code failures} attempts; waits until {@code open}. */
    private static final class Maker implements Stock.Maker<Thing> {

        private int attempts;
        private int made;
        volatile int failures;
        volatile CountDownLatch open = new CountDownLatch(0);
        volatile Thread lastThread;

        @Override
        public Thing make() throws IOException, InterruptedException {
            open.await();
            lastThread = Thread.currentThread();
            synchronized (this) {
                if (++attempts <= failures) {
                    throw new IOException("cannot make thing " + attempts);
                }
                return new Thing(++made);
            }
        }

        synchronized int attempts() {
            return attempts;
        }

        synchronized int made() {
            return made;
        }
    }

    /** What the stock keeps: alive until told otherwise, and closed at most by the stock. */
    private static final class Thing implements AutoCloseable {

        final int number;
        final Thread madeBy = Thread.currentThread();
        volatile boolean alive = true;
        volatile boolean closed;

        Thing(int number) {
            this.number = number;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public String toString() {
            return "thing " + number;
        }
    }
}
