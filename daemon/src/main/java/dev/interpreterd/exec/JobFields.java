package dev.interpreterd.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.units.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The fields of a job as a client sends them in JSON, checked one at a time so that a mistake is
 * told in a sentence that names the field. The HTTP API and the MCP tool check the same way; they
 * differ only in what they call a field ({@link #HTTP}: {@code field 'code'}, {@link #MCP}:
 * {@code argument 'code'}).
 */
public final class JobFields {

    /** The checks of the HTTP API, whose body has fields. */
    public static final JobFields HTTP = new JobFields("field");
    /** The checks of the MCP tool, whose call has arguments. */
    public static final JobFields MCP = new JobFields("argument");

    private final String noun;

    private JobFields(String noun) {
        this.noun = noun;
    }

    /** One check of a field, as its caller calls it: e.g. {@code () -> JobFields.HTTP.code(node)}. */
    @FunctionalInterface
    public interface Check<T> {
        T run() throws InvalidFieldException;
    }

    /** A field's value that does not fit it, told in a sentence that names the field. */
    public static final class InvalidFieldException extends Exception {

        InvalidFieldException(String message) {
            super(message);
        }
    }

    /**
     * The Python source of field {@code code}, which is required.
     *
     * @throws InvalidFieldException when it is missing, not a string, or not valid Unicode
     */
    public String code(JsonNode node) throws InvalidFieldException {
        if (node == null || node.isNull()) {
            throw invalid("'code' is required: the Python source to run, as a string");
        }
        if (!node.isTextual()) {
            throw invalid("'code' must be a string, not " + kind(node));
        }
        return unicode("code", node.textValue());
    }

    /**
     * The timeout of field {@code timeout}, empty when it is absent or null.
     *
     * @param maxTimeout the largest timeout a job may ask for
     * @throws InvalidFieldException when it is not a number of seconds above 0 and at most {@code maxTimeout}
     */
    public Optional<Duration> timeout(JsonNode node, Duration maxTimeout) throws InvalidFieldException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        String range = "greater than 0 and at most " + Durations.number(maxTimeout);
        if (!node.isNumber()) {
            throw invalid("'timeout' must be a number of seconds " + range + ", not " + kind(node));
        }
        BigDecimal seconds = node.decimalValue();
        if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(maxTimeout.toNanos(), 9)) > 0) {
            throw invalid("'timeout' must be " + range + " seconds, got " + node.asText());
        }
        Duration timeout = Duration.ofNanos(seconds.movePointRight(9).longValue());
        if (timeout.isZero()) {
            throw invalid("'timeout' must be at least 1 nanosecond, got " + node.asText());
        }
        return Optional.of(timeout);
    }

    /**
     * The context of field {@code contextId}, an id the daemon gave out, empty when it is absent or
     * null. Blanks around it, which an id never has, are dropped.
     *
     * @throws InvalidFieldException when it is not a string, or a blank one
     */
    public Optional<String> contextId(JsonNode node) throws InvalidFieldException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw invalid("'contextId' must be the id of a context, a string such as an earlier answer named, not "
                    + (node.isTextual() ? "an empty string" : kind(node)));
        }
        return Optional.of(node.textValue().strip());
    }

    /**
     * The text of field {@code name}, which no UTF-8 encoder could carry to the worker if it held a
     * lone UTF-16 surrogate such as \ud800.
     *
     * @throws InvalidFieldException naming the first lone surrogate and where it is
     */
    public String unicode(String name, String text) throws InvalidFieldException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid("'" + name + "' contains an unpaired surrogate \\u" + Integer.toHexString(c)
                        + " at character " + i + ", which is not valid Unicode");
            }
        }
        return text;
    }

    /** What a JSON value is, for a message: {@code a string}, {@code a number}, {@code null}... */
    public static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
        };
    }

    private InvalidFieldException invalid(String text) {
        return new InvalidFieldException(noun + " " + text);
    }
}
