package dev.interpreterd;

import static io.restassured.RestAssured.given;

import dev.interpreterd.config.CommandLine;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real daemon on a free port, configured through the real command-line parser, with short grace
 * periods so that tests of stopping code stay fast.
 */
final class TestDaemon implements AutoCloseable {

    private final Daemon daemon;

    private TestDaemon(Daemon daemon) {
        this.daemon = daemon;
    }

    /** Starts a daemon with {@code --port 0 --grace 0.2} plus the given flags. */
    static TestDaemon start(String... flags) {
        return startWithEnvironment(System.getenv(), flags);
    }

    /** Starts a daemon as if its own environment were {@code environment}. */
    static TestDaemon startWithEnvironment(Map<String, String> environment, String... flags) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--grace", "0.2"));
        args.addAll(launcherFlags());
        args.addAll(List.of(flags));
        try {
            return new TestDaemon(Daemon.start(CommandLine.parse(args, Map.of()).orElseThrow(), environment));
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
