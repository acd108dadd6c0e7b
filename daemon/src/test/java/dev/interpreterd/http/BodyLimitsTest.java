package dev.interpreterd.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pace a body must keep and the memory bodies may take while they arrive, without a daemon. */
class BodyLimitsTest {

    private static final BodyPace PACE = BodyPace.DEFAULT;

    @Test
    void a_small_body_gets_the_base_time() {
        assertEquals(Duration.ofSeconds(10).plusNanos(1000L * 1_000_000_000 / 65536), PACE.allowed(1000));
    }

    @Test
    void a_body_of_ten_mebibytes_gets_one_second_more_for_every_64_kibibytes() {
        assertEquals(Duration.ofSeconds(170), PACE.allowed(10 * 1024 * 1024));
    }

    @Test
    void a_body_that_keeps_coming_may_take_its_whole_time() {
        assertEquals(Duration.ofSeconds(8), PACE.remaining(Duration.ofSeconds(2), Duration.ofSeconds(1), 0));
    }

    @Test
    void a_pause_ends_a_body_before_its_whole_time_is_up() {
        Duration elapsed = Duration.ofSeconds(20);
        long largeBody = 10 * 1024 * 1024;
        assertEquals(Duration.ofSeconds(3), PACE.remaining(elapsed, Duration.ofSeconds(7), largeBody));
        assertEquals(Duration.ZERO, PACE.remaining(elapsed, Duration.ofSeconds(10), largeBody));
    }

    @Test
    void a_body_past_its_time_is_late_even_while_bytes_come() {
        assertEquals(Duration.ZERO, PACE.remaining(Duration.ofSeconds(11), Duration.ZERO, 1000));
    }

    @Test
    void the_budget_gives_what_it_has_and_takes_it_back() {
        BodyBudget budget = new BodyBudget(100);
        assertTrue(budget.take(60));
        assertFalse(budget.take(41));
        assertTrue(budget.take(40));
        budget.giveBack(60);
        assertTrue(budget.take(60));
    }

    @Test
    void a_body_takes_from_the_budget_only_past_its_free_bytes_and_gives_it_back() {
        int free = BodyBudget.FREE_BYTES;
        BodyBudget budget = new BodyBudget(free);
        BodyBytes small = new BodyBytes(budget, 10 * free);
        assertTrue(small.append(ByteBuffer.wrap(new byte[free])));
        BodyBytes large = new BodyBytes(budget, 10 * free);
        assertTrue(large.append(ByteBuffer.wrap(new byte[2 * free])));
        BodyBytes refused = new BodyBytes(budget, 10 * free);
        assertFalse(refused.append(ByteBuffer.wrap(new byte[2 * free])), "the budget is spent");
        assertEquals(0, refused.size());

        large.release();
        assertTrue(refused.append(ByteBuffer.wrap(new byte[2 * free])), "the budget came back");
    }

    @Test
    void the_body_is_the_bytes_appended_in_order() {
        BodyBytes bytes = new BodyBytes(new BodyBudget(1), 100);
        assertTrue(bytes.append(ByteBuffer.wrap(new byte[] {1, 2})));
        assertTrue(bytes.append(ByteBuffer.wrap(new byte[] {3})));
        assertArrayEquals(new byte[] {1, 2, 3}, bytes.toArray());
    }
}
