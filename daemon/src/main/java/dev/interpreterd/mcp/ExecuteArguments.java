package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.exec.JobFields;
import java.time.Duration;
import java.util.Iterator;
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
        return new ExecuteArguments(checked(() -> JobFields.MCP.code(arguments.get("code"))),
                checked(() -> JobFields.MCP.timeout(arguments.get("timeout"), maxTimeout)),
                contextId(arguments.get(ToolDefinitions.CONTEXT_ID)));
    }

    /**
     * The {@code contextId} argument of any tool: an id the daemon gave out, if the call names one.
     *
     * @throws InvalidArgumentException when it is not a non-empty string
     */
    static Optional<String> contextId(JsonNode node) throws InvalidArgumentException {
        return checked(() -> JobFields.MCP.contextId(node));
    }

    /** What a check of {@link JobFields} gives, its refusal as the tool's error. */
    private static <T> T checked(JobFields.Check<T> check) throws InvalidArgumentException {
        try {
            return check.run();
        } catch (JobFields.InvalidFieldException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
    }
}
