package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.exec.ErrorInfo;
import dev.interpreterd.exec.ExecutionResult;
import dev.interpreterd.exec.Output;
import dev.interpreterd.exec.Status;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a model gets back from {@code execute_python}: one compact text (the interpreter's id and
 * notes about it, the status, stdout, stderr, the results' text and the error with its traceback, each
 * section cut to {@link #SECTION_CAP_CHARS}), an image item per PNG or JPEG result, and the whole
 * HTTP answer as structured content.
 */
final class ExecutionContent {

    /** Characters kept of each section of the text: its beginning and its end around a line saying how many were cut. */
    static final int SECTION_CAP_CHARS = 4000;
    private static final List<String> IMAGE_TYPES = List.of("image/png", "image/jpeg");
    private static final Set<Status> FAILURES = Set.of(Status.ERROR, Status.INTERRUPTED, Status.KILLED);

    private ExecutionContent() {
    }

    /**
     * The tool result of an execution. Its first line names the interpreter, {@code contextId: <id>},
     * followed by the {@code notes}, so that a client that shows one line shows a restarted
     * interpreter too.
     */
    static ToolResult of(ExecutionResult result, List<String> notes, ObjectMapper json) {
        List<String> sections = new ArrayList<>();
        StringBuilder first = new StringBuilder(ToolDefinitions.CONTEXT_ID).append(": ").append(result.contextId());
        notes.forEach(note -> first.append("; note: ").append(note));
        sections.add(first.toString());
        sections.add(statusLine(result));
        stream(sections, "stdout", result.stdout(), result.stdoutTruncated());
        stream(sections, "stderr", result.stderr(), result.stderrTruncated());
        List<JsonNode> images = new ArrayList<>();
        if (!result.results().isEmpty()) {
            List<String> lines = new ArrayList<>();
            for (Output output : result.results()) {
                describe(output, lines, images);
            }
            sections.add("results:" + (result.resultsTruncated() ? " [truncated by the daemon]" : "") + "\n"
                    + clip(String.join("\n", lines)));
        }
        if (result.error() != null) {
            sections.add(clip(String.join("\n", errorLines(result.status(), result.error()))));
        }
        List<JsonNode> content = new ArrayList<>();
        content.add(ToolResult.text(String.join("\n", sections)));
        content.addAll(images);
        return new ToolResult(content, Optional.of(json.valueToTree(result)), FAILURES.contains(result.status()));
    }

    private static String statusLine(ExecutionResult result) {
        String line = "status: " + result.status().wireName();
        if (result.status() == Status.EXIT) {
            line += " (exit code " + result.exitCode() + ")";
        } else if (result.status() == Status.KILLED && result.signal() != null) {
            line += " (signal " + result.signal() + ")";
        }
        return line;
    }

    private static void stream(List<String> sections, String name, String text, boolean truncated) {
        if (!text.isEmpty()) {
            sections.add(name + ":" + (truncated ? " [truncated by the daemon]" : "") + "\n" + clip(text.stripTrailing()));
        }
    }

    /** The output's text/plain, and a line per image, which goes to {@code images} as an item of its own. */
    private static void describe(Output output, List<String> lines, List<JsonNode> images) {
        JsonNode plain = output.data().get("text/plain");
        if (plain != null && plain.isTextual()) {
            lines.add(plain.textValue());
        }
        for (String type : IMAGE_TYPES) {
            JsonNode data = output.data().get(type);
            if (data == null) {
                continue;
            }
            if (data.isTextual() && isBase64(data.textValue())) {
                images.add(ToolResult.image(data.textValue(), type));
                lines.add("[" + type + ", sent as image " + images.size() + "]");
            } else {
                lines.add("[" + type + " left out: its data is not base64]");
            }
        }
    }

    /** The traceback, and the exception's own line where the traceback does not end with it. */
    private static List<String> errorLines(Status status, ErrorInfo error) {
        List<String> lines = new ArrayList<>(error.traceback());
        if (status != Status.ERROR || lines.isEmpty()) {
            // A timeout or a signal is not in the traceback, which ends where the code was stopped.
            lines.add(error.name() + ": " + error.value());
        }
        return lines;
    }

    private static boolean isBase64(String data) {
        try {
            Base64.getDecoder().decode(data);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The text, or its beginning and end around a line saying how many characters were cut between them. */
    static String clip(String text) {
        if (text.length() <= SECTION_CAP_CHARS) {
            return text;
        }
        int half = SECTION_CAP_CHARS / 2;
        int headEnd = Character.isHighSurrogate(text.charAt(half - 1)) ? half - 1 : half;
        int tailStart = text.length() - half;
        if (Character.isLowSurrogate(text.charAt(tailStart))) {
            tailStart++;
        }
        return text.substring(0, headEnd) + "\n[... " + (tailStart - headEnd) + " characters cut ...]\n"
                + text.substring(tailStart);
    }
}
