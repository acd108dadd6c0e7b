package dev.interpreterd.exec;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.interpreterd.BoxProcesses;
import dev.interpreterd.DaemonProcess;
import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.os.Posix;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under memory pressure the kernel ends code, never the daemon: every process that runs code carries
 * oom_score_adj 1000, and the daemon, its zygote and its box inits keep their own.
 */
class OomScoreTest {

    private static final String READ_SCORE = "print(open('/proc/self/oom_score_adj').read().strip())";
    /** This JVM's score before its daemon starts: the daemon runs in this JVM. */
    private static final String DAEMONS_OWN = score(ProcessHandle.current().pid());
    private static final int CAP_SYS_RESOURCE = 24;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @TempDir
    Path tmp;

    @Test
    void code_carries_the_highest_score() {
        daemon.execute(READ_SCORE).body("status", equalTo("ok")).body("stdout", equalTo("1000\n"));
    }

    @Test
    void what_the_code_starts_carries_it_too() {
        daemon.execute("import subprocess\nsubprocess.run(['cat', '/proc/self/oom_score_adj'])")
                .body("stdout", equalTo("1000\n"));
    }

    @Test
    void code_in_a_context_carries_it_in_every_execution() {
        Requires.contexts(daemon);
        String id = daemon.request().post("/process/interpreter/context").then().statusCode(200).extract().path("id");
        try {
            for (int i = 0; i < 2; i++) {
                daemon.execute(READ_SCORE, Map.of("contextId", id)).body("stdout", equalTo("1000\n"));
            }
        } finally {
            daemon.request().delete("/process/interpreter/context/" + id).then().statusCode(204);
        }
    }

    @Test
    void the_daemon_its_zygote_and_its_box_inits_keep_their_own() {
        daemon.execute(READ_SCORE).body("stdout", equalTo("1000\n"));
        assertEquals(DAEMONS_OWN, score(ProcessHandle.current().pid()), "the daemon's own score changed");
        if (TestDaemon.inBoxes()) {
            assertEquals(DAEMONS_OWN, score(BoxProcesses.zygote(daemon.runnerDirectory()).pid()), "the zygote's");
            for (long init : BoxProcesses.inits(daemon.runnerDirectory())) {
                assertEquals(DAEMONS_OWN, score(init), "box init " + init);
            }
        }
    }

    /**
     * With CAP_SYS_RESOURCE a root daemon's child makes 1000 the least the code may set; without it
     * (an ordinary user, a container that withholds it) the code may go no lower than the daemon's
     * own least, which is above -1000 here.
     */
    @Test
    void code_cannot_lower_its_score_below_what_the_kernel_lets_it() {
        JsonPath out = JsonPath.from(daemon.execute("""
                import json
                out = {}
                for value in ('-1000', '0'):
                    try:
                        with open('/proc/self/oom_score_adj', 'w') as f:
                            f.write(value)
                        out[value] = 'written'
                    except OSError as e:
                        out[value] = type(e).__name__
                out['now'] = open('/proc/self/oom_score_adj').read().strip()
                print(json.dumps(out))
                """).body("status", equalTo("ok")).extract().<String>path("stdout"));
        assertEquals("PermissionError", out.getString("'-1000'"), out.prettify());
        if (Posix.effectiveUserId() == 0 && holdsCapability(CAP_SYS_RESOURCE)) {
            assertEquals("PermissionError", out.getString("'0'"), out.prettify());
            assertEquals("1000", out.getString("now"), out.prettify());
        }
    }

    @Test
    void code_of_a_daemon_that_is_not_root_carries_it_too() throws Exception {
        int nobody = 65534;
        try (DaemonProcess other = Posix.effectiveUserId() == 0
                ? DaemonProcess.startAs(tmp, nobody, nobody) : DaemonProcess.start(tmp)) {
            JsonPath answer = other.executeAsync(READ_SCORE, Map.of()).get(60, TimeUnit.SECONDS);
            assertEquals("ok", answer.getString("status"), answer.prettify());
            assertEquals("1000\n", answer.getString("stdout"), answer.prettify());
            assertEquals(DAEMONS_OWN, score(other.pid()), "that daemon's own score changed");
        }
    }

    private static String score(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "oom_score_adj")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this JVM, and so a daemon it starts, holds the capability in its effective set. */
    private static boolean holdsCapability(int capability) {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            String effective = status.stream().filter(l -> l.startsWith("CapEff:")).findFirst().orElse("CapEff: 0");
            return (Long.parseUnsignedLong(effective.substring("CapEff:".length()).strip(), 16) >> capability & 1) == 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
