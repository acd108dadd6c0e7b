package dev.interpreterd.exec;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.interpreterd.TestDaemon;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workers that die before they are given a job cost no request: when the zygote is killed (by an
 * operator or the OOM killer), every box it made dies with it, and with the spawn launcher every
 * supervisor started ahead may die too. The executions that come next run in new ones and answer
 * as if nothing had happened.
 */
class DeadWorkersTest {

    private static final int SLOTS = 8;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--max-concurrent", String.valueOf(SLOTS));

    @Test
    void executions_sent_right_after_the_zygote_was_killed_all_answer_right() {
        for (int round = 1; round <= 3; round++) {
            eventually("round " + round + ": the workers are ready", () -> !runners().isEmpty());
            List<ProcessHandle> killed = runners();
            killed.forEach(ProcessHandle::destroyForcibly);
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < SLOTS; i++) {
                String code = "print(" + round + " * 100 + " + i + ")";
                answers.add(CompletableFuture.supplyAsync(() -> daemon.request().contentType(ContentType.JSON).body(
                        "{\"code\": \"" + code + "\"}").post("/process/interpreter/execute")));
            }
            for (int i = 0; i < SLOTS; i++) {
                Response answer = answers.get(i).join();
                String where = "round " + round + ", execution " + i + ": " + answer.asString();
                assertEquals(200, answer.statusCode(), where);
                assertEquals("ok", answer.jsonPath().getString("status"), where);
                assertEquals((round * 100 + i) + "\n", answer.jsonPath().getString("stdout"), where);
            }
            for (ProcessHandle dead : killed) {
                assertFalse(dead.isAlive(), "round " + round + ": " + dead.pid() + " was killed");
            }
        }
    }

    @Test
    void a_context_made_after_the_zygote_was_killed_works() {
        runners().forEach(ProcessHandle::destroyForcibly);
        String id = daemon.request().contentType(ContentType.JSON).body("{}").post("/process/interpreter/context").then().statusCode(200)
                .extract().jsonPath().getString("id");
        try {
            daemon.execute("x = 6 * 7", Map.of("contextId", id));
            daemon.execute("print(x)", Map.of("contextId", id))
                    .body("stdout", equalTo("42\n"));
        } finally {
            daemon.request().delete("/process/interpreter/context/" + id);
        }
    }

    /**
     * The daemon's runner processes that take jobs or make the boxes that do: its children running
     * the runner, the zygote and, with the spawn launcher, the supervisors started ahead.
     */
    private static List<ProcessHandle> runners() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().map(c -> c.contains(daemon.runnerDirectory())).orElse(false))
                .toList();
    }
}
