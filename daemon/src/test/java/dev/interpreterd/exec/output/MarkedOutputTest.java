package dev.interpreterd.exec.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A context's pipe cut into one output per execution at the marker the runner writes when the
 * execution ends, however the pipe's reads split the marker.
 */
class MarkedOutputTest {

    /** As the contexts make them: a byte that occurs nowhere else in the marker, then hex digits. */
    private static final String MARKER = "\u00010123abcd";

    private final MarkedOutput pipe = new MarkedOutput();

    @Test
    void what_comes_before_the_marker_is_the_executions_output_and_the_marker_ends_it() throws Exception {
        CappedOutput output = expect();
        write("hello\nworld\n" + MARKER);
        assertEquals("hello\nworld\n", output.text());
        assertTrue(ended(output));
    }

    @Test
    void without_the_marker_the_output_has_not_ended() throws Exception {
        CappedOutput output = expect();
        write("still running\n");
        assertEquals("still running\n", output.text());
        assertFalse(ended(output));
    }

    @Test
    void a_marker_split_across_reads_is_found_and_not_shown() throws Exception {
        for (int cut = 1; cut < MARKER.length(); cut++) {
            CappedOutput output = expect();
            write("out" + MARKER.substring(0, cut));
            assertFalse(ended(output), "cut at " + cut);
            write(MARKER.substring(cut));
            assertEquals("out", output.text(), "cut at " + cut);
            assertTrue(ended(output), "cut at " + cut);
        }
    }

    @Test
    void a_marker_written_one_byte_at_a_time_is_found() throws Exception {
        CappedOutput output = expect();
        for (byte b : ("abc" + MARKER).getBytes(StandardCharsets.US_ASCII)) {
            pipe.write(b);
        }
        assertEquals("abc", output.text());
        assertTrue(ended(output));
    }

    @Test
    void a_beginning_of_the_marker_that_goes_on_otherwise_is_output() throws Exception {
        CappedOutput output = expect();
        write("a" + MARKER.substring(0, 4));
        // Held back while it may still be the marker.
        assertEquals("a", output.text());
        write("xyz\n");
        assertEquals("a" + MARKER.substring(0, 4) + "xyz\n", output.text());
        assertFalse(ended(output));
    }

    @Test
    void a_failed_beginning_followed_by_the_real_marker_still_ends_the_output() throws Exception {
        CappedOutput output = expect();
        String almost = MARKER.substring(0, 3);
        write(almost + MARKER + "next");
        assertEquals(almost, output.text());
        assertTrue(ended(output));
    }

    @Test
    void what_comes_between_executions_is_dropped() throws Exception {
        CappedOutput first = expect();
        write("one" + MARKER + "from a process the code left running\n");
        assertEquals("one", first.text());
        CappedOutput second = expect();
        write("two" + MARKER);
        assertEquals("two", second.text());
        assertEquals("one", first.text());
        assertTrue(ended(second));
    }

    @Test
    void what_comes_before_the_first_execution_is_dropped() throws Exception {
        write("early\n");
        CappedOutput output = expect();
        write("late\n" + MARKER);
        assertEquals("late\n", output.text());
    }

    @Test
    void the_marker_of_an_earlier_execution_is_plain_output() throws Exception {
        pipe.expect(new CappedOutput(1024), bytes(MARKER));
        write(MARKER);
        CappedOutput output = new CappedOutput(1024);
        String next = "\u0001ffff0000";
        pipe.expect(output, bytes(next));
        write(MARKER + next);
        assertEquals(MARKER, output.text());
        assertTrue(ended(output));
    }

    @Test
    void the_end_of_the_pipe_ends_the_output_with_what_was_held_back() throws Exception {
        CappedOutput output = expect();
        write("last words" + MARKER.substring(0, 5));
        pipe.close();
        assertEquals("last words" + MARKER.substring(0, 5), output.text());
        assertTrue(ended(output));
    }

    @Test
    void the_marker_counts_neither_in_the_cap_nor_in_the_total() throws Exception {
        CappedOutput output = new CappedOutput(4);
        pipe.expect(output, bytes(MARKER));
        write("0123456789" + MARKER);
        assertEquals("0123", output.text());
        assertEquals(10, output.totalBytes());
        assertTrue(output.truncated());
        assertTrue(ended(output));
    }

    private CappedOutput expect() {
        CappedOutput output = new CappedOutput(1024);
        pipe.expect(output, bytes(MARKER));
        return output;
    }

    private void write(String text) {
        byte[] bytes = bytes(text);
        pipe.write(bytes, 0, bytes.length);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean ended(CappedOutput output) throws InterruptedException {
        return output.awaitEnd(0, TimeUnit.MILLISECONDS);
    }
}
