package dev.interpreterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shipped curl smoke test, example_test.sh, passes against a real daemon. */
class ExampleScriptTest {

    @Test
    void example_test_sh_passes_against_the_daemon() throws IOException, InterruptedException {
        Requires.command("curl", "apt-get install -y curl");
        try (TestDaemon daemon = TestDaemon.start()) {
            Process script = new ProcessBuilder("bash", Path.of("..", "example_test.sh").toString(),
                    "http://127.0.0.1:" + daemon.port())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(script.waitFor(120, TimeUnit.SECONDS), "example_test.sh did not finish");
            List<String> lines = output.strip().lines().toList();
            assertEquals(0, script.exitValue(), output);
            assertTrue(lines.get(lines.size() - 1).matches("\\d+ passed, 0 failed"), output);
        }
    }
}
