package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.Requires;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The official MCP TypeScript SDK clients, driven by {@code mcp/client.mjs}: installed with npm into
 * {@code target/mcp-client} once per build, then run with a plan of steps, answering with the
 * script's JSON report. {@link #run} drives the legacy client (SDK 1.x, sessions opened by
 * {@code initialize}); {@link #runModern}, the modern one (client 2.x, 2026-07-28 only).
 */
final class McpClient {

    /** The SDK, major version 1: the legacy client. */
    static final String PACKAGE = "@modelcontextprotocol/sdk@1";
    /** The client package of the SDK's major version 2: the modern client. */
    static final String MODERN_PACKAGE = "@modelcontextprotocol/client@2";
    private static final Path DIRECTORY = Path.of("target", "mcp-client");
    private static final List<Path> INSTALLED = List.of(
            DIRECTORY.resolve("node_modules/@modelcontextprotocol/sdk/package.json"),
            DIRECTORY.resolve("node_modules/@modelcontextprotocol/client/package.json"));
    private static final long INSTALL_SECONDS = 300;
    private static final long RUN_SECONDS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    private McpClient() {
    }

    /**
     * Skips the caller unless node and npm are on {@code PATH} and npm could install the SDK; installs it
     * and the script once.
     */
    static void install() {
        Requires.command("node", "apt-get install -y nodejs npm (Node 18 or newer)");
        Requires.command("npm", "apt-get install -y npm");
        try {
            Files.createDirectories(DIRECTORY);
            try (InputStream script = McpClient.class.getResourceAsStream("/mcp/client.mjs")) {
                Files.write(DIRECTORY.resolve("client.mjs"), script.readAllBytes());
            }
            if (INSTALLED.stream().allMatch(Files::exists)) {
                return;
            }
            Result npm = run(List.of("npm", "install", "--prefix", DIRECTORY.toString(), "--no-audit", "--no-fund",
                    "--loglevel=error", PACKAGE, MODERN_PACKAGE), INSTALL_SECONDS);
            assumeTrue(npm.exitCode() == 0, () -> "needs npm to install " + PACKAGE + " and " + MODERN_PACKAGE
                    + " (network access to the npm registry): npm exited with " + npm.exitCode() + ": "
                    + npm.stderr().strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the steps against {@code url} with these extra request headers and returns the report:
     * {@code {"steps": [...], "sessions": {...}}}.
     */
    static JsonNode run(String url, Map<String, String> headers, List<Map<String, Object>> steps) {
        return await(start(url, headers, steps));
    }

    /** Runs the steps with the modern client, as {@link #run} does with the legacy one. */
    static JsonNode runModern(String url, Map<String, String> headers, List<Map<String, Object>> steps) {
        return await(startModern(url, headers, steps));
    }

    private static JsonNode await(CompletableFuture<JsonNode> report) {
        try {
            return report.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while the MCP client ran", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AssertionError a ? a : new AssertionError("the MCP client failed", e.getCause());
        }
    }

    /** Starts the steps as {@link #run} does and returns at once, for a caller that acts while they run. */
    static CompletableFuture<JsonNode> start(String url, Map<String, String> headers, List<Map<String, Object>> steps) {
        return start("legacy", url, headers, steps);
    }

    /** Starts the steps with the modern client, as {@link #start} does with the legacy one. */
    static CompletableFuture<JsonNode> startModern(String url, Map<String, String> headers,
                                                   List<Map<String, Object>> steps) {
        return start("modern", url, headers, steps);
    }

    private static CompletableFuture<JsonNode> start(String era, String url, Map<String, String> headers,
                                                     List<Map<String, Object>> steps) {
        String plan;
        try {
            plan = JSON.writeValueAsString(Map.of("url", url, "headers", headers, "era", era, "steps", steps));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                Result node = run(List.of("node", DIRECTORY.resolve("client.mjs").toString(), plan), RUN_SECONDS);
                if (node.exitCode() != 0) {
                    throw new AssertionError("the MCP client failed with exit " + node.exitCode() + ": " + node.stderr());
                }
                return JSON.readTree(node.stdout());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> new Thread(task, "mcp-client").start());
    }

    /**
     * Runs a script of ES module source beside the installed clients, so that its imports find them,
     * and returns what it printed; it must exit with 0.
     */
    static String runScript(String name, String source) {
        try {
            Path script = DIRECTORY.resolve(name);
            Files.writeString(script, source);
            Result node = run(List.of("node", script.toString()), RUN_SECONDS);
            if (node.exitCode() != 0) {
                throw new AssertionError(name + " failed with exit " + node.exitCode() + ": " + node.stderr());
            }
            return node.stdout();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A step of the plan: {@code op} on the session named {@code session}, with more fields in pairs. */
    static Map<String, Object> step(String session, String op, Object... more) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("session", session);
        step.put("op", op);
        for (int i = 0; i < more.length; i += 2) {
            step.put((String) more[i], more[i + 1]);
        }
        return step;
    }

    /** A {@code tools/call} of execute_python with this code. */
    static Map<String, Object> execute(String session, String code) {
        return step(session, "call", "name", "execute_python", "arguments", Map.of("code", code));
    }

    /** A {@code tools/call} of execute_python with this code, in the interpreter {@code contextId} names. */
    static Map<String, Object> execute(String session, String code, String contextId) {
        return step(session, "call", "name", "execute_python", "arguments", Map.of("code", code, "contextId", contextId));
    }

    /** A {@code tools/call} of {@code tool} with these arguments. */
    static Map<String, Object> call(String session, String tool, Map<String, Object> arguments) {
        return step(session, "call", "name", tool, "arguments", arguments);
    }

    /** The {@code structuredContent.contextId} of a step's result: the interpreter it ran in. */
    static String contextId(JsonNode report, int step) {
        String id = result(report, step).at("/structuredContent/contextId").asText();
        if (id.isEmpty()) {
            throw new AssertionError("step " + step + " names no contextId: " + report);
        }
        return id;
    }

    /** The result of a step of a report that must have succeeded. */
    static JsonNode result(JsonNode report, int step) {
        JsonNode outcome = report.path("steps").get(step);
        if (!outcome.path("ok").asBoolean()) {
            throw new AssertionError("step " + step + " failed: " + report);
        }
        return outcome.path("result");
    }

    /** The first text content of a tool result, as it is: what the model reads. */
    static String fullText(JsonNode result) {
        return result.at("/content/0/text").asText();
    }

    /**
     * What the model reads of an execution past the interpreter's id: the first line of an answer
     * with structured content must be {@code contextId: <its structuredContent.contextId>}, and any
     * {@code ; note: ...} after it comes back as a line of its own, {@code note: ...}. An answer
     * without structured content (the code did not run) comes back whole.
     */
    static String text(JsonNode result) {
        String text = fullText(result);
        JsonNode contextId = result.at("/structuredContent/contextId");
        if (!contextId.isTextual()) {
            return text;
        }
        String prefix = "contextId: " + contextId.asText();
        if (!text.startsWith(prefix)) {
            throw new AssertionError("the text does not begin with '" + prefix + "': " + result);
        }
        String rest = text.substring(prefix.length());
        int lineEnd = rest.indexOf('\n');
        String notes = lineEnd < 0 ? rest : rest.substring(0, lineEnd);
        String body = lineEnd < 0 ? "" : rest.substring(lineEnd + 1);
        StringBuilder lines = new StringBuilder();
        for (String note : notes.split("; note: ")) {
            if (!note.isEmpty()) {
                lines.append("note: ").append(note).append('\n');
            }
        }
        return lines + body;
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> command, long seconds) throws IOException {
        // Files rather than pipes: nothing has to read while the process runs.
        Path stdout = Files.createTempFile("mcp-client", ".out");
        Path stderr = Files.createTempFile("mcp-client", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command.get(0) + " took over " + seconds + " s: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command.get(0), e);
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
