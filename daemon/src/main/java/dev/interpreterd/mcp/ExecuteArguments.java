package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.units.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The arguments of {@code execute_python}, checked one by one so that a mistake is told with a
 * sentence that names the argument.
 *
 * @param code the Python source
 * @param timeout the requested timeout, if any
 * @param contextId the interpreter to run in, if the call names one
 */
record ExecuteArguments(String code, Optional<Duration> timeout, Optional<String> contextId) {

    ExecuteArguments {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(contextId, "contextId");
    }

    /**
     * Reads the arguments object of a call.
     *
     * @param maxTimeout the largest timeout a call may ask for
     * @throws InvalidArgumentException naming the first argument that is wrong
     */
    static ExecuteArguments of(JsonNode arguments, Duration maxTimeout) throws InvalidArgumentException {
        for (Iterator<String> names = arguments.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("code") && !name.equals("timeout") && !name.equals(ToolDefinitions.CONTEXT_ID)) {
                throw new InvalidArgumentException("unknown argument '" + name + "'; execute_python takes 'code'"
                        + " and, optionally, 'timeout' and '" + ToolDefinitions.CONTEXT_ID + "'");
            }
        }
        return new ExecuteArguments(code(arguments.get("code")), timeout(arguments.get("timeout"), maxTimeout),
                contextId(arguments.get(ToolDefinitions.CONTEXT_ID)));
    }

    /**
     * The {@code contextId} argument of any tool: an id the daemon gave out, if the call names one.
     *
     * @throws InvalidArgumentException when it is not a non-empty string
     */
    static Optional<String> contextId(JsonNode node) throws InvalidArgumentException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw new InvalidArgumentException("argument '" + ToolDefinitions.CONTEXT_ID + "' must be the id of an"
                    + " interpreter, a string such as an earlier answer named, not " + (node.isTextual()
                    ? "an empty string" : kind(node)));
        }
        return Optional.of(node.textValue().strip());
    }

    private static String code(JsonNode node) throws InvalidArgumentException {
        if (node == null || node.isNull()) {
            throw new InvalidArgumentException("argument 'code' is required: the Python source to run, as a string");
        }
        if (!node.isTextual()) {
            throw new InvalidArgumentException("argument 'code' must be a string of Python source, not "
                    + kind(node));
        }
        String code = node.textValue();
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < code.length() && Character.isLowSurrogate(code.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // No UTF-8 encoder can carry it to the interpreter.
                throw new InvalidArgumentException("argument 'code' contains an unpaired surrogate \\u"
                        + Integer.toHexString(c) + " at character " + i + ", which is not valid Unicode");
            }
        }
        return code;
    }

    private static Optional<Duration> timeout(JsonNode node, Duration maxTimeout) throws InvalidArgumentException {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        String range = "a number of seconds greater than 0 and at most " + Durations.number(maxTimeout);
        if (!node.isNumber()) {
            throw new InvalidArgumentException("argument 'timeout' must be " + range + ", not " + kind(node));
        }
        BigDecimal seconds = node.decimalValue();
        if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(maxTimeout.toNanos(), 9)) > 0) {
            throw new InvalidArgumentException("argument 'timeout' must be " + range + ", got " + node.asText());
        }
        Duration timeout = Duration.ofNanos(seconds.movePointRight(9).longValue());
        if (timeout.isZero()) {
            throw new InvalidArgumentException("argument 'timeout' must be at least 1 nanosecond, got " + node.asText());
        }
        return Optional.of(timeout);
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
        };
    }
}
