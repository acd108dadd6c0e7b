package dev.interpreterd.exec;

import java.util.List;
import java.util.Objects;

/**
 * The answer to one execution, field for field the JSON the daemon sends.
 *
 * @param sessionId id of this execution, also in the daemon's log
 * @param status how it ended
 * @param stdout what the code wrote to stdout, UTF-8 with replacement, up to the cap
 * @param stderr likewise for stderr
 * @param stdoutTruncated true when stdout was longer than the cap
 * @param stderrTruncated true when stderr was longer than the cap
 * @param exitCode the code process's exit code, null when a signal ended it
 * @param signal the signal that ended it, or the last one the daemon sent when interrupted
 * @param error the exception for error, interrupted and killed; null otherwise
 * @param results the value of the final expression and what display() showed, in order
 * @param resultsTruncated true when results past the size cap were dropped
 * @param contextId the context it ran in, null for a fresh interpreter
 * @param contextRestarted true when the context's interpreter had to be replaced
 * @param durationMs wall-clock time of the execution in milliseconds
 */
public record ExecutionResult(
        String sessionId,
        Status status,
        String stdout,
        String stderr,
        boolean stdoutTruncated,
        boolean stderrTruncated,
        Integer exitCode,
        String signal,
        ErrorInfo error,
        List<Output> results,
        boolean resultsTruncated,
        String contextId,
        boolean contextRestarted,
        double durationMs) {

    /** Rejects missing required values. */
    public ExecutionResult {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        results = List.copyOf(results);
    }

    /** The same answer, saying that the context's interpreter is a fresh one whose state is gone. */
    public ExecutionResult withContextRestarted() {
        return new ExecutionResult(sessionId, status, stdout, stderr, stdoutTruncated, stderrTruncated, exitCode, signal,
                error, results, resultsTruncated, contextId, true, durationMs);
    }
}
