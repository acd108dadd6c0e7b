package dev.interpreterd.exec;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.TestDaemon;
import io.restassured.path.json.JsonPath;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The value of the last expression and display() come back as MIME bundles, like a notebook cell's. */
class ResultsTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @Test
    void a_final_expression_is_returned_as_a_result_and_not_printed() {
        daemon.execute("x = 6\nx * 7")
                .body("status", equalTo("ok"))
                .body("stdout", equalTo(""))
                .body("results", hasSize(1))
                .body("results[0].type", equalTo("result"))
                .body("results[0].data.'text/plain'", equalTo("42"))
                .body("resultsTruncated", equalTo(false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an assignment | x = 42",
            "a statement | for i in range(3): pass",
            "print | print(42)",
            "an expression that is None | None",
            "a trailing semicolon | 6 * 7;",
            "a trailing semicolon and a comment | 6 * 7;  # quiet",
            "empty code | ''",
            "only a comment | '# nothing'"})
    void these_return_no_result(String what, String code) {
        daemon.execute(code.equals("''") ? "" : code.replaceAll("^'|'$", "")).body("status", equalTo("ok"))
                .body("results", empty());
    }

    @Test
    void print_prints_and_a_multi_line_final_expression_is_one_result() {
        daemon.execute("print('hello')\n{\n  'a': [1,\n        2],\n}")
                .body("stdout", equalTo("hello\n"))
                .body("results[0].data.'text/plain'", equalTo("{'a': [1, 2]}"));
    }

    @Test
    void display_and_the_result_keep_their_order() {
        daemon.execute("display('first')\ndisplay(2, [3])\n'last'")
                .body("results.type", contains("display", "display", "display", "result"))
                .body("results.data.'text/plain'", contains("'first'", "2", "[3]", "'last'"));
    }

    @Test
    void every_repr_method_contributes_its_mime_type() {
        JsonPath data = daemon.execute("""
                class Rich:
                    def _repr_html_(self): return '<b>html</b>'
                    def _repr_markdown_(self): return '**md**'
                    def _repr_svg_(self): return '<svg></svg>'
                    def _repr_png_(self): return b'\\x89PNG fake'
                    def _repr_jpeg_(self): return b'\\xff\\xd8 fake'
                    def _repr_json_(self): return {'a': [1, 2]}
                    def _repr_latex_(self): return r'$x^2$'
                    def __repr__(self): return 'Rich()'
                Rich()
                """).extract().jsonPath().setRootPath("results[0].data");
        assertEquals("<b>html</b>", data.getString("'text/html'"));
        assertEquals("**md**", data.getString("'text/markdown'"));
        assertEquals("<svg></svg>", data.getString("'image/svg+xml'"));
        assertArrayEquals("\u0089PNG fake".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                Base64.getDecoder().decode(data.getString("'image/png'")));
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8, ' ', 'f', 'a', 'k', 'e'},
                Base64.getDecoder().decode(data.getString("'image/jpeg'")));
        assertEquals(Map.of("a", java.util.List.of(1, 2)), data.getMap("'application/json'"));
        assertEquals("$x^2$", data.getString("'text/latex'"));
        assertEquals("Rich()", data.getString("'text/plain'"));
    }

    @Test
    void repr_mimebundle_is_used_in_both_of_its_forms() {
        daemon.execute("""
                class Bundle:
                    def _repr_mimebundle_(self, include=None, exclude=None):
                        return {'text/html': '<i>b</i>', 'application/vnd.custom+json': {'k': 1}}
                class WithMetadata:
                    def _repr_mimebundle_(self, include=None, exclude=None):
                        return ({'text/markdown': '# m'}, {'text/markdown': {'meta': True}})
                display(Bundle())
                WithMetadata()
                """)
                .body("results[0].data.'text/html'", equalTo("<i>b</i>"))
                .body("results[0].data.'application/vnd.custom+json'.k", equalTo(1))
                .body("results[1].data.'text/markdown'", equalTo("# m"));
    }

    @Test
    void a_failing_repr_method_is_skipped_and_a_failing_repr_is_described() {
        daemon.execute("""
                class Broken:
                    def _repr_html_(self): raise ValueError('no html')
                    def __repr__(self): raise RuntimeError('no repr')
                Broken()
                """)
                .body("status", equalTo("ok"))
                .body("results[0].data.'text/html'", equalTo(null))
                .body("results[0].data.'text/plain'", equalTo("<repr of Broken failed: RuntimeError>"));
    }

    @Test
    void a_huge_repr_is_capped() {
        String plain = daemon.execute("'x' * 1_000_000").extract().jsonPath().getString("results[0].data.'text/plain'");
        assertTrue(plain.length() < 70_000, "length " + plain.length());
        assertTrue(plain.endsWith("… [truncated]"));
    }

    @Test
    void displays_before_an_error_are_kept() {
        daemon.execute("display('shown')\nraise ValueError('then failed')")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("ValueError"))
                .body("results.data.'text/plain'", contains("'shown'"));
    }

    @Test
    void display_is_a_builtin_in_imported_modules_too() {
        daemon.execute("import builtins\nbuiltins.display is display")
                .body("results[0].data.'text/plain'", equalTo("True"));
    }

    @Test
    void results_past_the_cap_are_dropped_and_flagged() {
        try (TestDaemon small = TestDaemon.start("--max-output", "64KiB")) {
            small.execute("for i in range(10):\n    display('y' * 20000)")
                    .body("resultsTruncated", equalTo(true))
                    .body("results", hasSize(3))
                    .body("results[0].data.'text/plain'", startsWith("'yyy"));
        }
    }

    @Test
    void a_display_too_large_for_a_frame_keeps_only_its_text() {
        daemon.execute("""
                class Huge:
                    def _repr_html_(self): return '<p>' * 3_000_000
                    def __repr__(self): return 'Huge()'
                display(Huge())
                print('after')
                """)
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("after\n"))
                .body("results[0].data.'text/html'", equalTo(null))
                .body("results[0].data.'text/plain'", startsWith("Huge() [display of"));
    }
}
