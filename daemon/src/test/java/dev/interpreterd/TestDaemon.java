package dev.interpreterd;

import static io.restassured.RestAssured.given;

import dev.interpreterd.config.CommandLine;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real daemon on a free port, configured through the real command-line parser, with short grace
 * periods so that tests of stopping code stay fast.
 */
final class TestDaemon implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> environment;
    private final String[] flags;
    private Daemon daemon;

    private TestDaemon(Map<String, String> environment, String... flags) {
        this.environment = environment;
        this.flags = flags;
    }

    /**
     * A daemon shared by the tests of one class: {@code @RegisterExtension static final TestDaemon
     * daemon = TestDaemon.shared(flags)} starts it before the first test and stops it after the last.
     */
    static TestDaemon shared(String... flags) {
        return new TestDaemon(System.getenv(), flags);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Starts a daemon with {@code --port 0 --grace 0.2} plus the given flags. */
    static TestDaemon start(String... flags) {
        return startWithEnvironment(System.getenv(), flags);
    }

    /** Starts a daemon as if its own environment were {@code environment}. */
    static TestDaemon startWithEnvironment(Map<String, String> environment, String... flags) {
        TestDaemon daemon = new TestDaemon(environment, flags);
        daemon.start();
        return daemon;
    }

    private void start() {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--grace", "0.2"));
        args.addAll(launcherFlags());
        args.addAll(List.of(flags));
        try {
            daemon = Daemon.start(CommandLine.parse(args, Map.of()).orElseThrow(), environment);
            daemon.ready();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("test daemon did not start", e);
        }
    }

    /** The daemon's private runner directory, part of every worker's command line. */
    String runnerDirectory() {
        return daemon.runnerDirectory().toString();
    }

    /**
     * The launcher every test daemon uses: the build runs the whole suite once with the default and
     * once with {@code -Dinterpreterd.launcher=fork}.
     */
    static List<String> launcherFlags() {
        String launcher = System.getProperty("interpreterd.launcher", "warm");
        return launcher.equals("fork") ? List.of("--launcher", "fork", "--preload", "json") : List.of();
    }

    int port() {
        return daemon.port();
    }

    /** A request aimed at this daemon. */
    RequestSpecification request() {
        return given().baseUri("http://127.0.0.1").port(port());
    }

    /** POSTs {@code {"code": code, ...extra}} to the execute endpoint and expects 200. */
    ValidatableResponse execute(String code, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(extra);
        body.put("code", code);
        return request().contentType(ContentType.JSON).body(body)
                .post("/process/interpreter/execute")
                .then().statusCode(200);
    }

    /** POSTs code with no other field. */
    ValidatableResponse execute(String code) {
        return execute(code, Map.of());
    }

    @Override
    public void close() {
        daemon.close();
    }
}
