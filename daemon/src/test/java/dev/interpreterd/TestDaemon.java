package dev.interpreterd;

import static io.restassured.RestAssured.given;

import dev.interpreterd.config.CommandLine;
import dev.interpreterd.os.Posix;
import dev.interpreterd.units.Clock;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real daemon on a free port, configured through the real command-line parser, with short grace
 * periods so that tests of stopping code stay fast.
 */
public final class TestDaemon implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /**
     * The interpreter of every test daemon ({@code -Dinterpreterd.python} to change it). As root, the
     * code runs as an unprivileged user, who must be able to read it: a pyenv build under /root is not.
     */
    public static final String PYTHON = System.getProperty("interpreterd.python", "/usr/bin/python3");

    private final Map<String, String> environment;
    private final Clock clock;
    private final String[] flags;
    private Daemon daemon;

    private TestDaemon(Map<String, String> environment, Clock clock, String... flags) {
        this.environment = environment;
        this.clock = clock;
        this.flags = flags;
    }

    /**
     * A daemon shared by the tests of one class: {@code @RegisterExtension static final TestDaemon
     * daemon = TestDaemon.shared(flags)} starts it before the first test and stops it after the last.
     */
    public static TestDaemon shared(String... flags) {
        return new TestDaemon(System.getenv(), Clock.SYSTEM, flags);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Starts a daemon with {@code --port 0 --grace 0.2 --python PYTHON} plus the given flags. */
    public static TestDaemon start(String... flags) {
        return startWithEnvironment(System.getenv(), flags);
    }

    /**
     * Starts a daemon that runs the code as the daemon's own user, the one user whose code may kill
     * its supervisor: with {@code --user root} when the tests run as root; with no flag otherwise, as a
     * daemon that is not root runs the code as itself and refuses {@code --user} naming anyone else.
     */
    public static TestDaemon startAsItsOwnUser(String... flags) {
        List<String> all = new ArrayList<>(List.of(flags));
        if (Posix.effectiveUserId() == 0) {
            all.addAll(List.of("--user", "root"));
        }
        return start(all.toArray(String[]::new));
    }

    /** Starts a daemon as if its own environment were {@code environment}. */
    public static TestDaemon startWithEnvironment(Map<String, String> environment, String... flags) {
        TestDaemon daemon = new TestDaemon(environment, Clock.SYSTEM, flags);
        daemon.start();
        return daemon;
    }

    /** Starts a daemon that ends idle contexts and MCP sessions on {@code clock}, which the test moves. */
    public static TestDaemon startWithClock(Clock clock, String... flags) {
        TestDaemon daemon = new TestDaemon(System.getenv(), clock, flags);
        daemon.start();
        return daemon;
    }

    private void start() {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--grace", "0.2", "--python", PYTHON));
        args.addAll(launcherFlags());
        args.addAll(List.of(flags));
        try {
            daemon = Daemon.start(CommandLine.parse(args, Map.of()).orElseThrow(), environment, clock);
            daemon.ready();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("test daemon did not start", e);
        }
    }

    /** The daemon's private runner directory, part of every worker's command line. */
    public String runnerDirectory() {
        return daemon.runnerDirectory().toString();
    }

    /**
     * The launcher every test daemon uses: the build runs the whole suite once with the default (boxes)
     * and once with {@code -Dinterpreterd.launcher=spawn}.
     */
    public static List<String> launcherFlags() {
        String launcher = System.getProperty("interpreterd.launcher", "box");
        return launcher.equals("spawn") ? List.of("--launcher", "spawn") : List.of("--preload", "json");
    }

    /** True when {@link #launcherFlags()} run the code in boxes, where it cannot reach its supervisor (the box's init). */
    public static boolean inBoxes() {
        return !launcherFlags().contains("spawn");
    }

    /**
     * Opens a directory the test made (JUnit's temp dirs are root's, mode 0700) to the code, which runs
     * as an unprivileged user when the tests run as root, so it may enter and write it.
     */
    public static Path openToTheCode(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return daemon.port();
    }

    /** A request aimed at this daemon. */
    public RequestSpecification request() {
        return given().baseUri("http://127.0.0.1").port(port());
    }

    /** POSTs {@code {"code": code, ...extra}} to the execute endpoint and expects 200. */
    public ValidatableResponse execute(String code, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("code", code);
        return request().contentType(ContentType.JSON).body(body)
                .post("/process/interpreter/execute")
                .then().statusCode(200);
    }

    /** POSTs code with no other field. */
    public ValidatableResponse execute(String code) {
        return execute(code, Map.of());
    }

    @Override
    public void close() {
        daemon.close();
    }
}
