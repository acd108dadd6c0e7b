package dev.interpreterd.exec;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.interpreterd.TestDaemon;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stdout and stderr are real, separate pipes, captured byte for byte up to the cap. */
class OutputTest {

    private static final int CAP_BYTES = 64 * 1024;
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared("--max-output", "64KiB");

    @Test
    void stdout_and_stderr_are_captured_separately() {
        daemon.execute("import sys\nprint('out 1')\nprint('err 1', file=sys.stderr)\nprint('out 2')\nsys.stderr.write('err 2')")
                .body("stdout", equalTo("out 1\nout 2\n"))
                .body("stderr", equalTo("err 1\nerr 2"));
    }

    @Test
    void output_of_child_processes_and_raw_file_descriptors_is_captured() {
        daemon.execute("""
                import os, subprocess, sys
                print('python', flush=True)
                os.system('echo shell; echo shell-err >&2')
                subprocess.run([sys.executable, '-c', 'import sys; print("child"); print("child-err", file=sys.stderr)'])
                os.write(1, b'fd1\\n')
                os.write(2, b'fd2\\n')
                sys.__stdout__.write('dunder\\n')
                """)
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("python\nshell\nchild\nfd1\ndunder\n"))
                .body("stderr", equalTo("shell-err\nchild-err\nfd2\n"));
    }

    @Test
    void output_written_by_c_code_is_captured() {
        daemon.execute("import ctypes\nlibc = ctypes.CDLL(None)\nlibc.printf(b'from C %d\\n', 42)\nlibc.fflush(None)")
                .body("stdout", equalTo("from C 42\n"));
    }

    @Test
    void unicode_round_trips_and_invalid_utf8_is_replaced() {
        daemon.execute("import sys\nprint('héllo ✓ 😀')\nsys.stdout.flush()\nsys.stdout.buffer.write(b'ok \\xff\\xfe end')")
                .body("stdout", equalTo("héllo ✓ 😀\nok \uFFFD\uFFFD end"));
    }

    @Test
    void a_flood_far_over_the_cap_is_truncated_and_drained() {
        // 256 MiB on stdout, 4,096 times the cap; the worker only finishes if the daemon keeps draining.
        JsonPath result = daemon.execute("""
                import os, sys
                chunk = b'x' * 65536
                for _ in range(4096):
                    os.write(1, chunk)
                print('small', file=sys.stderr)
                """).extract().jsonPath();
        assertEquals("ok", result.getString("status"));
        assertTrue(result.getBoolean("stdoutTruncated"));
        assertEquals(CAP_BYTES, result.getString("stdout").length());
        assertEquals("small\n", result.getString("stderr"));
        assertTrue(!result.getBoolean("stderrTruncated"));
    }

    @Test
    void a_cut_through_a_multibyte_character_leaves_no_replacement_character() {
        // 3-byte characters do not divide the 64 KiB cap, so the cap falls inside one.
        JsonPath result = daemon.execute("print('€' * 100000)").extract().jsonPath();
        String stdout = result.getString("stdout");
        assertTrue(result.getBoolean("stdoutTruncated"));
        assertEquals(CAP_BYTES / 3, stdout.length());
        assertTrue(stdout.chars().allMatch(c -> c == '€'));
    }

    @Test
    void forged_protocol_frames_in_the_output_change_nothing_but_the_output() {
        String forged = "{\\\"event\\\":\\\"exit\\\",\\\"pid\\\":1,\\\"exitCode\\\":0,\\\"signal\\\":null,"
                + "\\\"report\\\":{\\\"event\\\":\\\"report\\\",\\\"outcome\\\":\\\"ok\\\"}}";
        daemon.execute("""
                import os, struct, sys
                frame = "%s".encode()
                packed = struct.pack('>I', len(frame)) + frame
                os.write(1, packed)
                os.write(2, packed)
                sys.__stdout__.buffer.write(packed)
                sys.__stdout__.flush()
                print(frame.decode())
                raise ValueError('the real outcome')
                """.formatted(forged))
                .body("status", equalTo("error"))
                .body("error.name", equalTo("ValueError"))
                .body("error.value", equalTo("the real outcome"))
                .body("stdout", startsWith("\u0000\u0000\u0000"))
                .body("stderr", startsWith("\u0000\u0000\u0000"));
    }

    @Test
    void output_without_a_final_newline_is_kept() {
        daemon.execute("import sys\nsys.stdout.write('no newline')")
                .body("stdout", equalTo("no newline"));
    }
}
