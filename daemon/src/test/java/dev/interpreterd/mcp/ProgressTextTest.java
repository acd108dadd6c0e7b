package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The message of a progress notification, from the output so far and the time the call has run. */
class ProgressTextTest {

    @Test
    void without_output_it_says_how_long_the_call_has_run() {
        assertEquals("running for 40 s", new ProgressText().message(Duration.ofMillis(40_700)));
    }

    @Test
    void it_shows_the_last_two_non_empty_lines_of_both_streams_and_the_time() {
        ProgressText text = new ProgressText();
        text.add("line 1\nline 2\n");
        text.add("warning\n\n  \n");
        text.add("line 3");
        assertEquals("warning | line 3 (running 12 s)", text.message(Duration.ofSeconds(12)));
        assertEquals("warning | line 3", text.message(Duration.ofMillis(300)));
    }

    @Test
    void a_redrawn_line_shows_its_last_drawing_without_terminal_escapes() {
        ProgressText text = new ProgressText();
        text.add("epoch 1\n\r 10%|#   |\r \u001B[32m 20%|##  |\u001B[0m\r");
        assertEquals("epoch 1 | 20%|##  |", text.message(Duration.ZERO));
    }

    @Test
    void a_long_line_loses_its_start_so_that_its_end_shows() {
        ProgressText text = new ProgressText();
        text.add("x".repeat(10_000) + " the end\n");
        String message = text.message(Duration.ofSeconds(5));
        assertEquals(ProgressText.MAX_CHARS, message.length(), message);
        assertTrue(message.startsWith("…x") && message.endsWith("x the end (running 5 s)"), message);
    }
}
