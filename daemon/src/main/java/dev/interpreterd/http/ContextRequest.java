package dev.interpreterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.config.Limits;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code POST /process/interpreter/context}, every field optional and checked as an
 * execution's is, so that every mistake is answered with a sentence that names the field.
 *
 * @param cwd the requested working directory, if any
 * @param envs environment variables for every execution in the context
 * @param limits the daemon's limits, lowered where the request asked
 * @param network whether the request asked for network access, if it said
 */
record ContextRequest(Optional<String> cwd, Map<String, String> envs, Limits limits, Optional<Boolean> network) {

    private static final Set<String> FIELDS = Set.of("cwd", "envs", "limits", "network", "language");

    ContextRequest {
        Objects.requireNonNull(cwd, "cwd");
        envs = Map.copyOf(envs);
    }

    /**
     * Reads and checks a parsed body; an empty body makes a context with every default.
     *
     * @throws ApiException 400 naming the first field that is wrong
     */
    static ContextRequest from(JsonNode body, Limits maxLimits) {
        if (body == null || body.isNull()) {
            return new ContextRequest(Optional.empty(), Map.of(), maxLimits, Optional.empty());
        }
        if (!body.isObject()) {
            throw ApiException.invalid("the request body must be a JSON object such as {\"cwd\": \"/tmp\"}, or empty");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.invalid("unknown field '" + name
                        + "'; the fields are cwd, envs, limits, network and language");
            }
        }
        JsonNode language = body.get("language");
        if (language != null && !language.isNull() && !(language.isTextual() && language.textValue().equals("python"))) {
            throw ApiException.invalid("field 'language' must be \"python\", the only language here, not "
                    + (language.isTextual() ? "\"" + language.textValue() + "\"" : ExecuteRequest.kind(language)));
        }
        return new ContextRequest(ExecuteRequest.cwd(body.get("cwd")), ExecuteRequest.envs(body.get("envs")),
                ExecuteRequest.limits(body.get("limits"), maxLimits), ExecuteRequest.network(body.get("network")));
    }
}
