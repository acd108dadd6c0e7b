package dev.interpreterd.host;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.DaemonProcess;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.os.JnaLibrary;
import dev.interpreterd.os.Posix;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code reaches none of the daemon's private files: it cannot read the token file, write, create
 * files in or list the runner directory, connect to the control socket, or read JNA's directory,
 * whether stateless or in a context. A daemon that is not root runs the code as itself, and there the
 * box's mount namespace hides them; a daemon running as root runs it as another user, and the token
 * file here is readable by every user, so that is hidden there too.
 */
class PrivateFilesTest {

    private static final String TOKEN = "token-" + UUID.randomUUID();
    private static final String MARKER = "marker-" + UUID.randomUUID();
    private static final int NOBODY = 65534;

    /** What code that means harm tries, each attempt answered with allowed and what it got, or refused. */
    private static final String HOSTILE = """
            import json, os, socket
            def attempt(action):
                try:
                    return 'allowed: ' + repr(action())
                except Exception as e:
                    return 'refused: ' + type(e).__name__
            # The runner directory as the code finds it: in the command line it inherited.
            args = open('/proc/self/cmdline', 'rb').read().decode().split('\\0')
            runner = args[args.index('-c') + 2]
            def append(name):
                with open(runner + '/' + name, 'a') as f:
                    f.write('\\nprint("planted")\\n')
            def connect():
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(runner + '/control.sock')
            print(json.dumps({
                'runner': runner,
                'token': attempt(lambda: open('%s').read()),
                'append': attempt(lambda: append('runner.py')),
                'appendModule': attempt(lambda: append('interpreterd_runner/start.py')),
                'create': attempt(lambda: open(runner + '/planted.py', 'w').close()),
                'createModule': attempt(lambda: open(runner + '/interpreterd_runner/planted.py', 'w').close()),
                'cache': attempt(lambda: os.makedirs(runner + '/__pycache__/planted')),
                'moduleCache': attempt(lambda: os.makedirs(runner + '/interpreterd_runner/__pycache__/planted')),
                'list': attempt(lambda: os.listdir(runner)),
                'connect': attempt(connect),
                'jnaList': attempt(lambda: os.listdir('%s')),
                'jnaRead': attempt(lambda: open('%s').read()),
            }))
            """;

    @TempDir
    static Path tmp;
    private static Path tokenFile;
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws IOException {
        tokenFile = readableToken(TestDaemon.openToTheCode(tmp).resolve("token"));
        daemon = TestDaemon.start("--token-file", tokenFile.toString());
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void stateless_code_reaches_none_of_the_daemons_files() throws IOException {
        Path jna = JnaLibrary.unpacked().orElseThrow().getParent();
        Path marker = Files.writeString(jna.resolve("jna-" + MARKER), MARKER);
        try {
            assertNothingReached(attempt(daemon.port(), Map.of(), jna, marker), daemon.runnerDirectory());
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void code_in_a_context_reaches_none_of_the_daemons_files() throws IOException {
        Path jna = JnaLibrary.unpacked().orElseThrow().getParent();
        Path marker = Files.writeString(jna.resolve("jna-" + MARKER), MARKER);
        String context = createContext(daemon.port());
        try {
            assertNothingReached(attempt(daemon.port(), Map.of("contextId", context), jna, marker),
                    daemon.runnerDirectory());
        } finally {
            Files.deleteIfExists(marker);
            request(daemon.port()).delete("/process/interpreter/context/" + context).then().statusCode(204);
        }
    }

    @Test
    void the_code_of_a_daemon_that_is_not_root_runs_as_that_daemon_and_still_reaches_none_of_its_files(
            @TempDir Path own) throws Exception {
        Path dir = TestDaemon.openToTheCode(own);
        Path token = readableToken(dir.resolve("token"));
        Path jna = dir.resolve("jna");
        // JNA unpacks into a directory of its own, as under the unit; nobody has no home for its default.
        Map<String, String> environment = Map.of("JAVA_TOOL_OPTIONS", "-Djna.tmpdir=" + jna);
        String[] flags = {"--token-file", token.toString()};
        try (DaemonProcess unprivileged = Posix.effectiveUserId() == 0
                ? DaemonProcess.startAs(dir, environment, NOBODY, NOBODY, flags)
                : DaemonProcess.start(dir, environment, flags)) {
            Path marker = Files.writeString(jna.resolve("jna-" + MARKER), MARKER);
            int port = unprivileged.port();
            int daemonUid = Posix.effectiveUserId() == 0 ? NOBODY : Posix.effectiveUserId();
            String uid = runs(port, Map.of(), "import os\nprint(os.getuid())").getString("stdout");
            assertEquals(daemonUid + "\n", uid, "the code runs as the daemon's own user");
            JsonPath stateless = attempt(port, Map.of(), jna, marker, token);
            assertNothingReached(stateless, stateless.getString("runner"), token);
            String context = createContext(port);
            assertNothingReached(attempt(port, Map.of("contextId", context), jna, marker, token),
                    stateless.getString("runner"), token);
        }
    }

    private static Path readableToken(Path file) throws IOException {
        Files.writeString(file, TOKEN + "\n");
        // Readable by every user, so that it is the hiding, and not the file's mode, that keeps the code out.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private static JsonPath attempt(int port, Map<String, Object> extra, Path jna, Path marker) {
        return attempt(port, extra, jna, marker, tokenFile);
    }

    private static JsonPath attempt(int port, Map<String, Object> extra, Path jna, Path marker, Path token) {
        JsonPath answer = runs(port, extra, HOSTILE.formatted(token, jna, marker));
        assertEquals("ok", answer.getString("status"), answer::prettify);
        return JsonPath.from(answer.getString("stdout"));
    }

    private static void assertNothingReached(JsonPath attempts, String runnerDirectory) throws IOException {
        assertNothingReached(attempts, runnerDirectory, tokenFile);
    }

    private static void assertNothingReached(JsonPath attempts, String runnerDirectory, Path token) throws IOException {
        String all = attempts.prettify();
        assertEquals(runnerDirectory, attempts.getString("runner"), "the code finds the runner directory");
        assertFalse(all.contains(TOKEN), all);
        assertFalse(all.contains(MARKER), all);
        for (String refused : List.of("append", "appendModule", "create", "createModule", "cache", "moduleCache",
                "connect", "jnaRead")) {
            assertTrue(attempts.getString(refused).startsWith("refused: "), refused + ": " + all);
        }
        assertFalse(attempts.getString("list").contains("runner.py"), all);
        assertFalse(attempts.getString("list").contains("control.sock"), all);
        Path runner = Path.of(runnerDirectory);
        assertArrayEquals(resource("/runner/runner.py"), Files.readAllBytes(runner.resolve("runner.py")),
                "the runner is as the jar has it");
        Path modules = runner.resolve("interpreterd_runner");
        assertArrayEquals(resource("/runner/interpreterd_runner/start.py"),
                Files.readAllBytes(modules.resolve("start.py")), "the runner's modules are as the jar has them");
        assertFalse(Files.exists(runner.resolve("planted.py")));
        assertFalse(Files.exists(modules.resolve("planted.py")));
        assertFalse(Files.exists(runner.resolve("__pycache__").resolve("planted")));
        assertFalse(Files.exists(modules.resolve("__pycache__").resolve("planted")));
        assertEquals(TOKEN + "\n", Files.readString(token), "the token file is untouched");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PrivateFilesTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static String createContext(int port) {
        return request(port).contentType(ContentType.JSON).body("{}").post("/process/interpreter/context")
                .then().statusCode(200).extract().path("id");
    }

    private static JsonPath runs(int port, Map<String, Object> extra, String code) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("code", code);
        return request(port).contentType(ContentType.JSON).body(body).post("/process/interpreter/execute")
                .then().statusCode(200).extract().jsonPath();
    }

    private static RequestSpecification request(int port) {
        return given().baseUri("http://127.0.0.1").port(port).header("Authorization", "Bearer " + TOKEN);
    }
}
