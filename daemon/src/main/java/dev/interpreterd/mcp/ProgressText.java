package dev.interpreterd.mcp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * The {@code message} of a call's progress notifications: the last one or two non-empty lines of
 * its output (stdout and stderr as they came), then how long it has run, in at most
 * {@link #MAX_CHARS} characters; a long line loses its start so that its end shows. Only the end of
 * the output is kept. Not thread-safe: its owner guards it.
 */
final class ProgressText {

    /** The longest message: clients show one line of about this many characters. */
    static final int MAX_CHARS = 200;
    /** Output kept: enough for two lines of a message. */
    private static final int KEPT_CHARS = 4 * MAX_CHARS;
    private static final int LINES_SHOWN = 2;
    private static final String SEPARATOR = " | ";
    private static final String CUT = "…";
    /** Terminal escapes (colours, cursor moves), which mean nothing in a message. */
    private static final Pattern ESCAPES = Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B[@-_]");
    /** Control characters but the line ends, which are handled on their own. */
    private static final Pattern CONTROLS = Pattern.compile("[\\p{Cc}&&[^\\n\\r]]");

    private final StringBuilder tail = new StringBuilder();

    /** Adds output text, stdout or stderr, in the order it came. */
    void add(String text) {
        tail.append(text);
        if (tail.length() > 2 * KEPT_CHARS) {
            tail.delete(0, tail.length() - KEPT_CHARS);
        }
    }

    /** "last line (running 12 s)", or "running for 12 s" while there is no output; under a second, no time. */
    String message(Duration running) {
        String lines = lastLines();
        long seconds = running.toSeconds();
        if (lines.isEmpty()) {
            return "running for " + seconds + " s";
        }
        String suffix = seconds < 1 ? "" : " (running " + seconds + " s)";
        return cutLeft(lines, MAX_CHARS - suffix.length()) + suffix;
    }

    /** The last non-empty lines joined by {@value #SEPARATOR}; of a line rewritten with {@code \r}, its last state. */
    private String lastLines() {
        String text = CONTROLS.matcher(ESCAPES.matcher(tail).replaceAll("")).replaceAll(" ");
        Deque<String> lines = new ArrayDeque<>();
        String[] split = text.split("\n");
        for (int i = split.length - 1; i >= 0 && lines.size() < LINES_SHOWN; i--) {
            String line = lastState(split[i]);
            if (!line.isEmpty()) {
                lines.addFirst(line);
            }
        }
        return String.join(SEPARATOR, lines);
    }

    /** A progress bar redraws its line after {@code \r}: the last non-blank drawing is what shows. */
    private static String lastState(String line) {
        String[] drawings = line.split("\r");
        for (int i = drawings.length - 1; i >= 0; i--) {
            if (!drawings[i].isBlank()) {
                return drawings[i].strip();
            }
        }
        return "";
    }

    /** The end of {@code text} in at most {@code max} characters, marked as cut when it is. */
    private static String cutLeft(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int start = text.length() - max + CUT.length();
        if (Character.isLowSurrogate(text.charAt(start))) {
            start++;
        }
        return CUT + text.substring(start);
    }
}
