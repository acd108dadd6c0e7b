package dev.interpreterd.exec;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.interpreterd.TestDaemon;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resource limits hold for the code, give clear results when hit, and can only be lowered. */
class LimitsTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--max-memory", "1GiB", "--max-processes", "500", "--max-file-size", "8MiB",
                "--max-open-files", "256");

    @Test
    void the_daemons_limits_apply_to_the_code_and_core_dumps_are_off() {
        daemon.execute("""
                import resource as r
                for name in ('AS', 'NPROC', 'FSIZE', 'NOFILE', 'CORE'):
                    print(name, *r.getrlimit(getattr(r, 'RLIMIT_' + name)))
                """).body("stdout", equalTo("AS 1073741824 1073741824\nNPROC 500 500\nFSIZE 8388608 8388608\n"
                + "NOFILE 256 256\nCORE 0 0\n"));
    }

    @Test
    void cpu_time_is_limited_by_the_timeout() {
        daemon.execute("import resource as r\nprint(*r.getrlimit(r.RLIMIT_CPU))", Map.of("timeout", 2.5))
                .body("stdout", equalTo("4 5\n"));
    }

    @Test
    void allocating_past_the_memory_limit_is_a_memory_error() {
        daemon.execute("data = bytearray(2 * 1024**3)")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("MemoryError"));
    }

    @Test
    void a_request_may_lower_a_limit() {
        daemon.execute("data = bytearray(300 * 1024**2)\nprint('fits')").body("stdout", equalTo("fits\n"));
        daemon.execute("data = bytearray(300 * 1024**2)", Map.of("limits", Map.of("memory", 256L << 20)))
                .body("status", equalTo("error"))
                .body("error.name", equalTo("MemoryError"));
    }

    @Test
    void writing_past_the_file_size_limit_fails_the_write() {
        daemon.execute("""
                import tempfile
                with tempfile.TemporaryFile() as f:
                    f.write(b'x' * (2 * 1024 * 1024))
                    f.flush()
                """, Map.of("limits", Map.of("fileSize", 1 << 20)))
                .body("status", equalTo("error"))
                .body("error.name", equalTo("OSError"))
                .body("error.value", containsString("File too large"));
    }

    @Test
    void code_that_would_write_without_end_stops_at_the_file_size_limit() {
        daemon.execute("""
                import tempfile
                with tempfile.TemporaryFile() as f:
                    while True:
                        f.write(b'x' * (1 << 20))
                        f.flush()
                """, Map.of("limits", Map.of("fileSize", 4 << 20)))
                .body("status", equalTo("error"))
                .body("error.name", equalTo("OSError"))
                .body("error.value", containsString("File too large"));
    }

    @Test
    void opening_past_the_open_files_limit_fails_the_open() {
        daemon.execute("files = [open('/dev/null') for _ in range(100)]", Map.of("limits", Map.of("openFiles", 64)))
                .body("status", equalTo("error"))
                .body("error.value", containsString("Too many open files"));
    }

    @Test
    void the_code_cannot_raise_a_limit_back() {
        daemon.execute("import resource as r\nr.setrlimit(r.RLIMIT_AS, (r.RLIM_INFINITY, r.RLIM_INFINITY))")
                .body("status", equalTo("error"))
                .body("error.name", equalTo("ValueError"));
    }

    @Test
    void asking_for_more_than_the_daemon_allows_is_refused() {
        daemon.request().contentType("application/json")
                .body(Map.of("code", "1", "limits", Map.of("memory", 2L << 30)))
                .post("/process/interpreter/execute")
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("message", containsString("'limits.memory'"))
                .body("message", containsString("--max-memory"));
    }

    @Test
    void limits_of_the_wrong_shape_are_refused_naming_the_field() {
        for (Object limits : new Object[] {5, Map.of("mem", 1), Map.of("openFiles", 1.5), Map.of("openFiles", 0),
                Map.of("processes", "10")}) {
            daemon.request().contentType("application/json").body(Map.of("code", "1", "limits", limits))
                    .post("/process/interpreter/execute")
                    .then().statusCode(400)
                    .body("error", equalTo("invalid_request"))
                    .body("message", containsString("'limits"));
        }
    }
}
