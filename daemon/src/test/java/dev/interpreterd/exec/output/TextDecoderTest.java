package dev.interpreterd.exec.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Streamed output decoded as it arrives: a character split across reads arrives whole, invalid
 * bytes become U+FFFD as they would in the whole text, and the streamed pieces add up to the text
 * of the answer.
 */
class TextDecoderTest {

    /** One character each of two, three and four bytes. */
    private static final List<String> WIDE = List.of("é", "€", "😀");

    private final List<String> pieces = new ArrayList<>();
    private final TextDecoder decoder = new TextDecoder(pieces::add);

    @Test
    void each_chunk_of_ascii_is_passed_on_as_it_comes() {
        accept(bytes("abc"));
        accept(bytes("de\n"));
        assertEquals(List.of("abc", "de\n"), pieces);
    }

    @Test
    void an_unfinished_character_at_the_end_of_the_stream_becomes_a_replacement_character() {
        byte[] cut = Arrays.copyOf(bytes("ab€"), 4);
        decoder.accept(cut, 0, cut.length);
        assertEquals(List.of("ab"), pieces);
        decoder.end();
        assertEquals(List.of("ab", "\uFFFD"), pieces);
        assertEquals(new String(cut, StandardCharsets.UTF_8), String.join("", pieces), "as decoding the whole");
        decoder.end();
        decoder.accept(bytes("late"), 0, 4);
        assertEquals(List.of("ab", "\uFFFD"), pieces, "nothing after the end");
    }

    @Test
    void the_end_of_a_stream_of_whole_characters_passes_nothing_more_on() {
        accept(bytes("done\n"));
        decoder.end();
        assertEquals(List.of("done\n"), pieces);
    }

    @Test
    void an_empty_chunk_passes_nothing_on() {
        accept(new byte[0]);
        assertEquals(List.of(), pieces);
    }

    @Test
    void a_character_split_across_two_chunks_arrives_whole() {
        for (String wide : WIDE) {
            byte[] encoded = bytes(wide);
            for (int cut = 1; cut < encoded.length; cut++) {
                List<String> got = new ArrayList<>();
                TextDecoder split = new TextDecoder(got::add);
                byte[] first = concat(bytes("x"), Arrays.copyOf(encoded, cut));
                split.accept(first, 0, first.length);
                assertEquals(List.of("x"), got, wide + " cut after byte " + cut);
                byte[] second = concat(Arrays.copyOfRange(encoded, cut, encoded.length), bytes("y"));
                split.accept(second, 0, second.length);
                assertEquals(List.of("x", wide + "y"), got, wide + " cut after byte " + cut);
            }
        }
    }

    @Test
    void a_character_that_comes_one_byte_at_a_time_is_passed_on_once_complete() {
        byte[] emoji = bytes("😀");
        for (int i = 0; i < emoji.length - 1; i++) {
            decoder.accept(emoji, i, 1);
            assertEquals(List.of(), pieces, "after byte " + (i + 1));
        }
        decoder.accept(emoji, emoji.length - 1, 1);
        assertEquals(List.of("😀"), pieces);
    }

    @Test
    void only_the_given_range_of_the_buffer_is_decoded() {
        byte[] buffer = bytes("skip€keep€skip");
        decoder.accept(buffer, 7, 5); // "keep" and the first byte of the second €
        assertEquals(List.of("keep"), pieces);
        decoder.accept(buffer, 12, 2);
        assertEquals(List.of("keep", "€"), pieces);
    }

    @Test
    void invalid_bytes_become_u_fffd_as_in_the_whole_text_however_the_chunks_fall() {
        for (String hex : List.of(
                "61fffec32862eda08063", // a, two bytes that never start a character, a broken pair, a surrogate
                "8080bf",               // continuation bytes without a start
                "c0af",                 // an overlong encoding of '/'
                "f4908080",             // past U+10FFFF
                "e28278",               // a character cut short by an ASCII byte
                "f09f98e282ac41")) {    // a cut four-byte character, then a whole one
            byte[] input = HexFormat.of().parseHex(hex);
            String whole = new String(input, StandardCharsets.UTF_8);
            assertTrue(whole.contains("\uFFFD"), hex);
            for (int chunk = 1; chunk <= input.length; chunk++) {
                List<String> got = new ArrayList<>();
                TextDecoder chunked = new TextDecoder(got::add);
                for (int at = 0; at < input.length; at += chunk) {
                    chunked.accept(input, at, Math.min(chunk, input.length - at));
                }
                assertEquals(whole, String.join("", got), hex + " in chunks of " + chunk);
            }
        }
    }

    @Test
    void a_byte_that_can_start_no_character_is_replaced_at_once_not_held_back() {
        accept(HexFormat.of().parseHex("61ff"));
        assertEquals(List.of("a\uFFFD"), pieces);
    }

    @Test
    void a_character_unfinished_when_the_bytes_stop_is_held_back_not_shown_half() {
        accept(HexFormat.of().parseHex("61e282"));
        assertEquals(List.of("a"), pieces);
    }

    @Test
    void the_streamed_pieces_of_an_output_add_up_to_its_text() {
        CappedOutput output = new CappedOutput(1024);
        output.listen(pieces::add);
        byte[] text = bytes("naïve €uro 😀 done\n");
        for (int at = 0; at < text.length; at += 3) {
            output.write(text, at, Math.min(3, text.length - at));
        }
        output.close();
        assertEquals(output.text(), String.join("", pieces));
        assertEquals("naïve €uro 😀 done\n", output.text());
    }

    @Test
    void when_the_cap_cuts_a_character_neither_the_stream_nor_the_text_shows_the_piece() {
        CappedOutput output = new CappedOutput(4);
        output.listen(pieces::add);
        byte[] text = bytes("abc€ and more");
        output.write(text, 0, text.length);
        output.close();
        assertTrue(output.truncated());
        assertEquals("abc", output.text());
        assertEquals("abc", String.join("", pieces));
    }

    private void accept(byte[] bytes) {
        decoder.accept(bytes, 0, bytes.length);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
