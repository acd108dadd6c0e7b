package dev.interpreterd.exec;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.interpreterd.Eventually;
import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Requests run in parallel up to the slots, wait in a bounded queue, and slots always come back. */
class ConcurrencyTest {

    @Test
    void sixteen_concurrent_requests_each_get_their_own_output() throws Exception {
        try (TestDaemon daemon = TestDaemon.start("--max-concurrent", "16");
             var pool = new ClosingPool(16)) {
            List<CompletableFuture<JsonPath>> answers = IntStream.range(0, 16)
                    .mapToObj(i -> pool.submit(() -> daemon.execute("""
                            import os, sys, time
                            me = os.environ['REQUEST']
                            for line in range(50):
                                print(me, line, flush=True)
                                print(me, 'err', line, file=sys.stderr)
                                time.sleep(0.002)
                            """, Map.of("envs", Map.of("REQUEST", "r" + i))).extract().jsonPath()))
                    .toList();
            for (int i = 0; i < 16; i++) {
                JsonPath answer = answers.get(i).get();
                String me = "r" + i;
                assertEquals(expectedLines(me, ""), answer.getString("stdout"), "stdout of " + me);
                assertEquals(expectedLines(me, "err "), answer.getString("stderr"), "stderr of " + me);
            }
        }
    }

    @Test
    void a_full_queue_answers_503_with_retry_after_and_slots_come_back() throws Exception {
        try (TestDaemon daemon = TestDaemon.start("--max-concurrent", "1", "--queue", "1");
             var pool = new ClosingPool(2)) {
            CompletableFuture<JsonPath> running = pool.submit(() -> sleeper(daemon));
            awaitHealth(daemon, 1, 0);
            CompletableFuture<JsonPath> queued = pool.submit(() -> sleeper(daemon));
            awaitHealth(daemon, 1, 1);

            daemon.request().contentType(ContentType.JSON).body(Map.of("code", "print(1)"))
                    .post("/process/interpreter/execute")
                    .then().statusCode(503)
                    .header("Retry-After", "1")
                    .body("error", equalTo("busy"));

            assertEquals("interrupted", running.get().getString("status"));
            assertEquals("interrupted", queued.get().getString("status"));
            awaitHealth(daemon, 0, 0);
            daemon.execute("print('slot is back')").body("stdout", equalTo("slot is back\n"));
        }
    }

    @Test
    void every_way_of_ending_gives_the_slot_back() {
        // The code kills its supervisor, as it can when it runs as the daemon's own user.
        try (TestDaemon daemon = TestDaemon.startAsItsOwnUser("--max-concurrent", "1", "--queue", "0")) {
            daemon.execute("1/0").body("status", equalTo("error"));
            daemon.execute("import os\nos._exit(3)").body("status", equalTo("exit"));
            daemon.execute("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)").body("status", equalTo("killed"));
            // A box's init, its supervisor there, gets no SIGKILL from inside its box: the code goes on.
            daemon.execute("import os\nos.kill(os.getppid(), 9)\nprint('went on')")
                    .body("status", equalTo(TestDaemon.inBoxes() ? "ok" : "killed"));
            daemon.execute("while True: pass", Map.of("timeout", 0.2)).body("status", equalTo("interrupted"));
            // The daemon's SIGKILL ends the supervisor too, and a box with it.
            daemon.execute("""
                    import signal
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    while True: pass
                    """, Map.of("timeout", 0.2)).body("status", equalTo("interrupted")).body("signal", equalTo("SIGKILL"));
            daemon.request().get("/health").then().body("running", equalTo(0)).body("queued", equalTo(0));
            daemon.execute("print('still serving')").body("stdout", equalTo("still serving\n"));
        }
    }

    private static JsonPath sleeper(TestDaemon daemon) {
        return daemon.execute("import time\ntime.sleep(30)", Map.of("timeout", 1)).extract().jsonPath();
    }

    private static String expectedLines(String me, String infix) {
        StringBuilder text = new StringBuilder();
        for (int line = 0; line < 50; line++) {
            text.append(me).append(' ').append(infix).append(line).append('\n');
        }
        return text.toString();
    }

    /** Polls /health until it shows the expected counts. */
    private static void awaitHealth(TestDaemon daemon, int running, int queued) {
        JsonPath[] health = {null};
        eventually(() -> "health shows running=" + running + " queued=" + queued
                        + (health[0] == null ? "" : ", last: " + health[0].prettify()), Eventually.PATIENCE, () -> {
            health[0] = daemon.request().get("/health").then().extract().jsonPath();
            return health[0].getInt("running") == running && health[0].getInt("queued") == queued;
        });
    }

    /** A fixed thread pool usable in try-with-resources on Java 17. */
    private static final class ClosingPool implements AutoCloseable {
        private final ExecutorService pool;

        ClosingPool(int threads) {
            pool = Executors.newFixedThreadPool(threads);
        }

        <T> CompletableFuture<T> submit(java.util.function.Supplier<T> task) {
            return CompletableFuture.supplyAsync(task, pool);
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
