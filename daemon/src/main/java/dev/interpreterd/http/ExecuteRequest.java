package dev.interpreterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.config.Limits;
import dev.interpreterd.exec.JobFields;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code POST /process/interpreter/execute}, checked field by field so that every
 * mistake is answered with a sentence that names the field.
 *
 * @param code the Python source
 * @param timeout the requested timeout, if any
 * @param envs extra environment variables
 * @param cwd the requested working directory, if any
 * @param limits the daemon's limits, lowered where the request asked
 * @param network whether the request asked for network access, if it said
 * @param contextId the context to run in, if any
 */
record ExecuteRequest(String code, Optional<Duration> timeout, Map<String, String> envs, Optional<String> cwd,
                      Limits limits, Optional<Boolean> network, Optional<String> contextId) {

    private static final JobFields FIELDS_OF_A_JOB = JobFields.HTTP;
    private static final Set<String> FIELDS = Set.of("code", "timeout", "envs", "cwd", "limits", "network", "contextId");
    /** What a context is made with, and so what an execution in it cannot ask for. */
    private static final List<String> CONTEXT_FIELDS = List.of("cwd", "limits", "network");
    private static final Map<String, String> LIMIT_FLAGS = Map.of("memory", "--max-memory",
            "processes", "--max-processes", "fileSize", "--max-file-size", "openFiles", "--max-open-files");

    ExecuteRequest {
        Objects.requireNonNull(code, "code");
        envs = Map.copyOf(envs);
    }

    /**
     * Reads and checks a parsed body.
     *
     * @param maxTimeout the largest timeout a request may ask for
     * @param maxLimits the largest limits a request may ask for
     * @throws ApiException 400 naming the first field that is wrong
     */
    static ExecuteRequest from(JsonNode body, Duration maxTimeout, Limits maxLimits) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid("the request body must be a JSON object such as {\"code\": \"print(42)\"}");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.invalid("unknown field '" + name
                        + "'; the fields are code, timeout, envs, cwd, limits, network and contextId");
            }
        }
        Optional<String> contextId = checked(() -> FIELDS_OF_A_JOB.contextId(body.get("contextId")));
        if (contextId.isPresent()) {
            for (String field : CONTEXT_FIELDS) {
                if (body.hasNonNull(field)) {
                    throw ApiException.invalid("field '" + field + "' belongs to the context, which was given its "
                            + field + " when it was created; leave it out when you send contextId");
                }
            }
        }
        return new ExecuteRequest(checked(() -> FIELDS_OF_A_JOB.code(body.get("code"))),
                checked(() -> FIELDS_OF_A_JOB.timeout(body.get("timeout"), maxTimeout)),
                envs(body.get("envs")), cwd(body.get("cwd")), limits(body.get("limits"), maxLimits),
                network(body.get("network")), contextId);
    }

    static Map<String, String> envs(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiException.invalid("field 'envs' must be an object of string values, not " + kind(node));
        }
        Map<String, String> envs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw ApiException.invalid("field 'envs' has an invalid variable name '" + printable(name)
                        + "': names must be non-empty and contain neither '=' nor NUL");
            }
            if (!value.isTextual()) {
                throw ApiException.invalid("field 'envs." + printable(name) + "' must be a string, not " + kind(value));
            }
            if (value.textValue().indexOf('\0') >= 0) {
                throw ApiException.invalid("field 'envs." + printable(name) + "' must not contain a NUL character");
            }
            envs.put(unicode("envs", name), unicode("envs." + printable(name), value.textValue()));
        }
        return envs;
    }

    static Optional<String> cwd(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw ApiException.invalid("field 'cwd' must be a string naming a directory, not " + kind(node));
        }
        if (node.textValue().isEmpty()) {
            throw ApiException.invalid("field 'cwd' must not be empty; leave it out to use the daemon's work directory");
        }
        if (node.textValue().indexOf('\0') >= 0) {
            throw ApiException.invalid("field 'cwd' must not contain a NUL character");
        }
        return Optional.of(unicode("cwd", node.textValue()));
    }

    static Optional<Boolean> network(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            throw ApiException.invalid("field 'network' must be true or false, not " + kind(node));
        }
        return Optional.of(node.booleanValue());
    }

    static Limits limits(JsonNode node, Limits max) {
        if (node == null || node.isNull()) {
            return max;
        }
        if (!node.isObject()) {
            throw ApiException.invalid("field 'limits' must be an object such as {\"memory\": 268435456}, not " + kind(node));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!LIMIT_FLAGS.containsKey(name)) {
                throw ApiException.invalid("unknown field 'limits." + name
                        + "'; the limits are memory, processes, fileSize and openFiles");
            }
        }
        return new Limits(limit(node, "memory", max.memoryBytes()), limit(node, "processes", max.processes()),
                limit(node, "fileSize", max.fileSizeBytes()), limit(node, "openFiles", max.openFiles()));
    }

    /** A requested limit: a whole number above 0 and at most the daemon's, which it defaults to. */
    private static long limit(JsonNode limits, String name, long max) {
        JsonNode node = limits.get(name);
        if (node == null || node.isNull()) {
            return max;
        }
        String rule = "a whole number greater than 0 and at most " + max + " (" + LIMIT_FLAGS.get(name) + ")";
        if (!node.isNumber()) {
            throw ApiException.invalid("field 'limits." + name + "' must be " + rule + ", not " + kind(node));
        }
        BigDecimal value = node.decimalValue();
        if (value.stripTrailingZeros().scale() > 0 || value.signum() <= 0
                || value.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw ApiException.invalid("field 'limits." + name + "' must be " + rule + ", got " + node.asText());
        }
        return value.longValueExact();
    }

    /** The text of field {@code name}, which must be valid Unicode. */
    private static String unicode(String name, String text) {
        return checked(() -> FIELDS_OF_A_JOB.unicode(name, text));
    }

    static String kind(JsonNode node) {
        return JobFields.kind(node);
    }

    /** What a check of {@link JobFields} gives, its refusal as a 400. */
    private static <T> T checked(JobFields.Check<T> check) {
        try {
            return check.run();
        } catch (JobFields.InvalidFieldException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private static String printable(String text) {
        return text.replace("\0", "\\0");
    }
}
