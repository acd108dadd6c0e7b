package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A modern-era header value as the client meant it: plain, or in the {@code =?base64?…?=} form for
 * values a header cannot carry, which must be canonical base64 of valid UTF-8 to be read at all.
 */
class ModernRequestTest {

    @Test
    void a_plain_value_is_taken_as_it_is() {
        assertEquals(Optional.of("run_python"), ModernRequest.decode("run_python"));
        assertEquals(Optional.of(""), ModernRequest.decode(""));
        assertEquals(Optional.of("aGk="), ModernRequest.decode("aGk="));
    }

    @Test
    void a_value_in_the_base64_form_is_decoded_as_utf8() {
        String name = "contexte à part ✓";
        assertEquals(Optional.of(name), ModernRequest.decode(encoded(name.getBytes(StandardCharsets.UTF_8))));
        assertEquals(Optional.of("hi"), ModernRequest.decode("=?base64?aGk=?="));
        assertEquals(Optional.of("h"), ModernRequest.decode("=?base64?aA==?="));
        assertEquals(Optional.of("abc"), ModernRequest.decode("=?base64?YWJj?="));
    }

    @Test
    void the_base64_form_of_nothing_is_the_empty_value() {
        assertEquals(Optional.of(""), ModernRequest.decode("=?base64??="));
    }

    @Test
    void a_value_that_only_looks_like_the_form_is_taken_as_it_is() {
        // Too short to hold both ends: the question mark of "?=" is the one of "=?base64?".
        assertEquals(Optional.of("=?base64?="), ModernRequest.decode("=?base64?="));
        assertEquals(Optional.of("=?base64?aGk="), ModernRequest.decode("=?base64?aGk="));
        assertEquals(Optional.of("x=?base64?aGk=?="), ModernRequest.decode("x=?base64?aGk=?="));
    }

    @Test
    void base64_that_is_not_canonical_is_no_value() {
        for (String payload : new String[] {
                "aGk",       // padding left out
                "aA=",       // padding cut short
                "aGk=aGk=",  // padding inside
                "aG k=",     // a space
                "aGk=\n",    // a line break
                "-_-_",      // the URL-safe alphabet
                "aGk*",      // not base64 at all
                "a"}) {      // a length no encoding has
            assertEquals(Optional.empty(), ModernRequest.decode("=?base64?" + payload + "?="), payload);
        }
    }

    @Test
    void base64_of_bytes_that_are_not_utf8_is_no_value() {
        for (String hex : new String[] {"ff", "c328", "e282", "eda080", "c0af", "f4908080"}) {
            assertEquals(Optional.empty(), ModernRequest.decode(encoded(HexFormat.of().parseHex(hex))), hex);
        }
    }

    private static String encoded(byte[] bytes) {
        return "=?base64?" + Base64.getEncoder().encodeToString(bytes) + "?=";
    }
}
