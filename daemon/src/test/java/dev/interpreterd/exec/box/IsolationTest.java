package dev.interpreterd.exec.box;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.TestDaemon;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing of one execution reaches the next, and the daemon's own settings never reach the code. */
class IsolationTest {

    private static final Set<String> ALLOWED = Set.of(
            "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
            // set by the runner so that matplotlib renders to PNG
            "MPLBACKEND");

    @TempDir
    static Path workDir;
    private static TestDaemon daemon;

    @BeforeAll
    static void start() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put("INTERPRETERD_TOKEN", "daemon-secret");
        environment.put("INTERPRETERD_PORT", "9999");
        environment.put("AWS_SECRET_ACCESS_KEY", "not-for-the-code");
        daemon = TestDaemon.startWithEnvironment(environment, "--work-dir", TestDaemon.openToTheCode(workDir).toString());
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void globals_environment_directory_and_modules_do_not_leak_between_executions() throws Exception {
        daemon.execute("""
                import os, sys
                leaked_global = 1
                os.environ['LEAKED_ENV'] = '1'
                os.chdir('/')
                sys.path.append('/leaked')
                sys.modules['leaked_module'] = sys
                """).body("status", equalTo("ok"));
        daemon.execute("""
                import os, sys
                print('leaked_global' in globals(), 'LEAKED_ENV' in os.environ, os.getcwd(),
                      '/leaked' in sys.path, 'leaked_module' in sys.modules)
                """).body("stdout", equalTo("False False " + workDir.toRealPath() + " False False\n"));
    }

    @Test
    void the_code_sees_only_allow_listed_variables_and_its_own_envs() {
        String names = daemon.execute("import os\nprint(' '.join(sorted(os.environ)))", Map.of("envs", Map.of("MY_VAR", "x")))
                .extract().jsonPath().getString("stdout").strip();
        Set<String> seen = new TreeSet<>(Arrays.asList(names.split(" ")));
        assertTrue(seen.contains("MY_VAR"), seen::toString);
        seen.remove("MY_VAR");
        seen.removeIf(name -> name.startsWith("LC_"));
        assertTrue(ALLOWED.containsAll(seen), "unexpected variables: " + seen);
    }

    @Test
    void envs_are_visible_to_the_code_and_its_subprocesses_and_may_override_the_base() {
        daemon.execute("""
                import os, subprocess
                print(os.environ['GREETING'], os.environ['LANG'])
                subprocess.run(['sh', '-c', 'echo "$GREETING from sh"'])
                """, Map.of("envs", Map.of("GREETING", "héllo wörld", "LANG", "C.UTF-8")))
                .body("stdout", equalTo("héllo wörld C.UTF-8\nhéllo wörld from sh\n"));
    }

    @Test
    void pythonpath_in_envs_is_importable() throws Exception {
        Path lib = Files.createDirectories(workDir.resolve("lib"));
        Files.writeString(lib.resolve("helper_mod.py"), "ANSWER = 42\n");
        daemon.execute("import helper_mod\nprint(helper_mod.ANSWER)", Map.of("envs", Map.of("PYTHONPATH", lib.toString())))
                .body("stdout", equalTo("42\n"));
    }

    @Test
    void cwd_is_honoured_and_relative_paths_are_resolved_against_the_work_dir() throws Exception {
        Path sub = Files.createDirectories(workDir.resolve("project"));
        Files.writeString(sub.resolve("local_mod.py"), "NAME = 'local'\n");
        daemon.execute("import os, local_mod\nprint(os.getcwd(), local_mod.NAME)", Map.of("cwd", "project"))
                .body("stdout", equalTo(sub.toRealPath() + " local\n"));
    }

    @Test
    void stdin_is_empty_so_input_fails_at_once() {
        daemon.execute("import sys\nprint(repr(sys.stdin.read()))\ninput('prompt')", Map.of("timeout", 5))
                .body("status", equalTo("error"))
                .body("stdout", equalTo("''\nprompt"))
                .body("error.name", equalTo("EOFError"));
    }

    @Test
    void the_code_runs_as_main_with_an_empty_argv_and_picklable_classes() {
        daemon.execute("""
                import pickle, sys
                class Point:
                    def __init__(self, x): self.x = x
                print(__name__, sys.argv, pickle.loads(pickle.dumps(Point(3))).x)
                """).body("stdout", equalTo("__main__ [''] 3\n"));
    }

    @Test
    void the_daemon_cannot_be_inspected_by_the_code_it_runs() {
        // Non-dumpable: /proc/<daemon>/environ (which may hold the token) is root's, not the user's.
        assertFalse(dev.interpreterd.os.Posix.isDumpable());
        daemon.execute("import os\nprint(open('/proc/self/status').read().count('Name'))")
                .body("stdout", equalTo("1\n"));
    }

    @Test
    void the_code_leads_its_own_session_and_process_group() {
        JsonPath result = daemon.execute("import os\nprint(os.getpid(), os.getpgid(0), os.getsid(0))").extract().jsonPath();
        List<String> ids = Arrays.asList(result.getString("stdout").strip().split(" "));
        assertEquals(List.of(ids.get(0), ids.get(0), ids.get(0)), ids);
        assertTrue(Long.parseLong(ids.get(0)) != ProcessHandle.current().pid());
    }
}
