package dev.interpreterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of the README and of the pages under {@code docs/}, run against a real daemon: every
 * block of curl commands followed by the answers it shows (one shell runs the whole block, so a
 * command may use what an earlier one kept in a shell variable), every row of the README's table of
 * statuses, its one-liner for a file of code, and each {@code /health} answer shown. In the shown
 * answers {@code …} stands for anything, and ids, times and durations may differ; everything else
 * must be what the daemon really answers.
 */
class ReadmeExamplesTest {

    private static final Path README = Path.of("../README.md");
    /** The pages the README links to; their curl examples are checked as the README's are. */
    private static final Path DOCS = Path.of("../docs");
    private static final String README_ADDRESS = "localhost:8000";
    private static final Pattern FENCE = Pattern.compile("(?m)^ *```(\\w*)\\n(.*?)^ *```$", Pattern.DOTALL);
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern DURATION = Pattern.compile("\"durationMs\":[0-9.]+");
    /** An ISO 8601 time in UTC, as contexts show when they were made and last used. */
    private static final Pattern TIME = Pattern.compile("\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z\"");
    private static final String CONTEXT_PATH = "/process/interpreter/context";
    private static final Pattern HEALTH = Pattern.compile("`(\\{\"status\":\"ok\",\"version\".*?})`\\.");
    private static final Pattern STATUS_ROW = Pattern.compile("(?m)^\\| `(\\w+)` \\|[^|]*\\| `(\\{.*})` → `(.*)` \\|$");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @TempDir
    Path tmp;

    /** Each block of curl commands of the README and of its pages that shows its answers gives those answers. */
    @TestFactory
    Stream<DynamicTest> every_curl_example_answers_as_shown() throws IOException {
        List<Example> examples = new ArrayList<>();
        for (Path file : documents()) {
            examples.addAll(curlExamples(file));
        }
        assertTrue(examples.stream().anyMatch(example -> example.file().equals(README)),
                "no curl example with an answer found in the README");
        return examples.stream().map(example -> DynamicTest.dynamicTest(example.name(), () -> {
            if (example.command().contains("pandas")) {
                Requires.pythonModules("pandas");
            }
            if (example.command().contains(CONTEXT_PATH)) {
                Requires.contexts(daemon);
            }
            String answer = run(example.command());
            assertTrue(matches(example.answer(), answer),
                    example.file() + " shows:\n" + example.answer() + "\nthe daemon answered:\n" + answer);
        }));
    }

    /** Each row of the table of statuses gives, for its request, the fields it shows. */
    @TestFactory
    Stream<DynamicTest> every_row_of_the_status_table_answers_as_shown() throws IOException {
        Matcher rows = STATUS_ROW.matcher(readme());
        List<DynamicTest> tests = new ArrayList<>();
        while (rows.find()) {
            String status = rows.group(1);
            String request = rows.group(2);
            List<String> fields = topLevelParts(rows.group(3));
            tests.add(DynamicTest.dynamicTest(status, () -> {
                String answer = daemon.request().contentType(ContentType.JSON).body(request)
                        .post("/process/interpreter/execute").then().statusCode(200).extract().asString();
                assertTrue(answer.contains("\"status\":\"" + status + "\""), answer);
                for (String field : fields) {
                    assertTrue(matches(field, answer, false), "README shows " + field + "\nthe daemon answered " + answer);
                }
            }));
        }
        assertEquals(5, tests.size(), "the README's table should have one row per status");
        return tests.stream();
    }

    /** Each /health answer the README and its pages show has the fields a real one has, no more and no fewer. */
    @Test
    void the_health_example_has_the_fields_of_a_real_answer() throws IOException {
        assertTrue(HEALTH.matcher(readme()).find(), "no /health example in the README");
        JsonNode real = JSON.readTree(daemon.request().get("/health").then().statusCode(200).extract().asString());
        for (Path file : documents()) {
            Matcher shown = HEALTH.matcher(Files.readString(file));
            while (shown.find()) {
                assertEquals(fieldNames(real), fieldNames(JSON.readTree(shown.group(1))), file.toString());
            }
        }
    }

    /** The one-liner that turns a file of code into a request works as written. */
    @Test
    void the_file_to_request_one_liner_runs_the_file() throws IOException, InterruptedException {
        Matcher line = Pattern.compile("`(python3 -c 'import json,sys;[^`]*)`").matcher(readme());
        assertTrue(line.find(), "no one-liner for a file of code in the README");
        Files.writeString(tmp.resolve("job.py"), "text = 'it\\'s \"quoted\"'\nprint(text, 6 * 7)\n");
        String answer = run("cd " + tmp + " && " + line.group(1));
        assertTrue(answer.contains("\"stdout\":\"it's \\\"quoted\\\" 42\\n\""), answer);
    }

    private record Example(Path file, String command, String answer) {

        /** The file and the command, as the test's name. */
        String name() {
            return file.getFileName() + ": " + command;
        }
    }

    /** The README and then every page under {@code docs/}, in the order of their names. */
    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(README));
        try (Stream<Path> pages = Files.list(DOCS)) {
            pages.filter(page -> page.getFileName().toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    /** The bash blocks of {@code file} with a curl to the daemon that are followed at once by a block with their answers. */
    private static List<Example> curlExamples(Path file) throws IOException {
        String text = Files.readString(file);
        Matcher fences = FENCE.matcher(text);
        List<Example> examples = new ArrayList<>();
        String pendingCommand = null;
        int pendingEnd = -1;
        while (fences.find()) {
            String language = fences.group(1);
            String body = fences.group(2);
            if (pendingCommand != null && text.substring(pendingEnd, fences.start()).isBlank()
                    && !language.equals("bash")) {
                examples.add(new Example(file, pendingCommand, body.strip()));
            }
            boolean curl = language.equals("bash") && body.contains("curl")
                    && (body.contains(README_ADDRESS + "/process") || body.contains(README_ADDRESS + "/mcp"));
            pendingCommand = curl ? body.strip() : null;
            pendingEnd = fences.end();
        }
        return examples;
    }

    private static String run(String command) throws IOException, InterruptedException {
        String local = command.replace(README_ADDRESS, "127.0.0.1:" + daemon.port());
        Process shell = new ProcessBuilder("bash", "-c", local).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "the example did not finish: " + command);
        assertEquals(0, shell.exitValue(), "the example failed: " + command);
        return output.strip();
    }

    /** Whether the whole answer is what the README shows. */
    private static boolean matches(String shown, String answer) {
        return matches(shown, answer, true);
    }

    /**
     * Whether the answer is (or, when {@code whole} is false, contains) what the README shows, with
     * {@code …} standing for anything and ids, times and durations for any id, time and duration.
     */
    private static boolean matches(String shown, String answer, boolean whole) {
        String anyId = UUID.matcher(shown).replaceAll("…");
        String anyTime = TIME.matcher(anyId).replaceAll("\"…\"");
        String general = DURATION.matcher(anyTime).replaceAll("\"durationMs\":…");
        StringBuilder regex = new StringBuilder();
        for (String part : general.split("…", -1)) {
            regex.append(regex.length() == 0 ? "" : ".*?").append(Pattern.quote(part));
        }
        Matcher matcher = Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(answer);
        return whole ? matcher.matches() : matcher.find();
    }

    /** {@code "a":1,"b":{"c":2,"d":3}} into {@code "a":1} and {@code "b":{"c":2,"d":3}}. */
    private static List<String> topLevelParts(String fields) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        int start = 0;
        for (int i = 0; i < fields.length(); i++) {
            char c = fields.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(fields.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(fields.substring(start));
        return parts;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String readme() throws IOException {
        return Files.readString(README);
    }
}
