package dev.interpreterd.exec;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import io.restassured.path.json.JsonPath;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real matplotlib and pandas, from Debian's python3-matplotlib and python3-pandas (which .ci/run
 * installs for /usr/bin/python3); skipped where the test interpreter lacks them. The runner itself
 * uses neither: it only reacts when the code does.
 */
class RichLibrariesTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @BeforeAll
    static void librariesInstalled() {
        Requires.pythonModules("matplotlib", "pandas");
    }

    @Test
    void plt_show_sends_each_figure_as_a_png_display() {
        JsonPath answer = daemon.execute("""
                import matplotlib.pyplot as plt
                plt.plot([1, 2, 3], [1, 4, 9])
                plt.figure()
                plt.bar([1, 2], [3, 4])
                plt.show()
                print(len(plt.get_fignums()), 'open after show')
                """).extract().jsonPath();
        assertEquals("ok", answer.getString("status"));
        assertEquals("0 open after show\n", answer.getString("stdout"));
        // matplotlib finds a writable config and cache directory in the code's home: no warning.
        assertEquals("", answer.getString("stderr"));
        List<String> pngs = answer.getList("results.data.'image/png'");
        assertEquals(2, pngs.size());
        pngs.forEach(RichLibrariesTest::assertPng);
        assertEquals(List.of("display", "display"), answer.getList("results.type"));
    }

    @Test
    void figures_left_open_at_the_end_are_displayed() {
        JsonPath answer = daemon.execute("import matplotlib.pyplot as plt\nplt.plot([3, 1, 2])\nx = 1")
                .extract().jsonPath();
        assertEquals(1, answer.getList("results").size());
        assertPng(answer.getString("results[0].data.'image/png'"));
        assertEquals("<Figure size 640x480 with 1 Axes>", answer.getString("results[0].data.'text/plain'"));
    }

    @Test
    void the_agg_backend_is_forced_even_when_the_request_asks_for_another() {
        daemon.execute("import matplotlib\nmatplotlib.get_backend()",
                        java.util.Map.of("envs", java.util.Map.of("MPLBACKEND", "TkAgg")))
                .body("status", equalTo("ok"))
                .body("results[0].data.'text/plain'", equalTo("'agg'"));
    }

    @Test
    void a_figure_as_the_final_expression_is_a_png_result() {
        JsonPath answer = daemon.execute("""
                import matplotlib.pyplot as plt
                fig, ax = plt.subplots()
                ax.plot([1, 2])
                plt.close(fig)
                fig
                """).extract().jsonPath();
        assertEquals("result", answer.getString("results[0].type"));
        assertPng(answer.getString("results[0].data.'image/png'"));
    }

    @Test
    void a_dataframe_comes_back_as_html_and_text() {
        daemon.execute("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': [3.5, 4.5]})")
                .body("status", equalTo("ok"))
                .body("results", hasSize(1))
                .body("results[0].data.'text/html'", containsString("<table"))
                .body("results[0].data.'text/html'", containsString("3.5"))
                .body("results[0].data.'text/plain'", equalTo("   a    b\n0  1  3.5\n1  2  4.5"));
    }

    private static void assertPng(String base64) {
        byte[] png = Base64.getDecoder().decode(base64);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length));
    }
}
