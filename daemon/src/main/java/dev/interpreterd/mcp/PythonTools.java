package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.context.ContextException;
import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.ExecutionListener;
import dev.interpreterd.exec.ExecutionResult;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.exec.Job;
import dev.interpreterd.exec.RejectedException;
import dev.interpreterd.units.Durations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tools' calls: {@code execute_python} here, {@code reset_python} and {@code close_python} in
 * {@link InterpreterLifecycle}. A call that names a {@code contextId} acts on that interpreter,
 * whoever made it. One that names none acts on its legacy session's own interpreter, or, from the
 * modern era, on a new one. An id that names no live interpreter is never silently replaced: the
 * answer says so and gives a fresh id ({@link EndedInterpreters}).
 */
final class PythonTools {

    /** What a call of a legacy session that has ended is told. */
    static final String ENDED = "this MCP session has ended; start a new one (initialize) to run code";

    private final ExecutionService executions;
    private final Contexts contexts;
    private final McpSettings settings;
    private final ObjectMapper json;
    private final EndedInterpreters ended;
    private final InterpreterLifecycle lifecycle;

    PythonTools(ExecutionService executions, Contexts contexts, McpSettings settings, ObjectMapper json) {
        this.executions = executions;
        this.contexts = contexts;
        this.settings = settings;
        this.json = json;
        this.ended = new EndedInterpreters(contexts, settings.context());
        this.lifecycle = new InterpreterLifecycle(contexts, settings.context(), ended, json);
    }

    /**
     * Runs one tool call.
     *
     * @param session the legacy session the call belongs to; empty for a modern call
     * @param stop how the client may cancel the call
     * @param progress hears the code's output as it comes, to report progress; {@link ExecutionListener#NONE} for none
     * @throws JsonRpcException {@link JsonRpc#INVALID_PARAMS} for a tool this server does not have
     */
    ToolResult call(Optional<McpSession> session, String name, JsonNode arguments, CallStop stop,
                    ExecutionListener progress) throws JsonRpcException, InterruptedException {
        return switch (name) {
            case ToolDefinitions.EXECUTE -> execute(session, arguments, stop, progress);
            case ToolDefinitions.RESET -> lifecycle.reset(session, arguments);
            case ToolDefinitions.CLOSE -> lifecycle.close(arguments);
            default -> throw JsonRpcException.invalidParams("Unknown tool: " + name + "; the tools are "
                    + ToolDefinitions.EXECUTE + ", " + ToolDefinitions.RESET + " and " + ToolDefinitions.CLOSE);
        };
    }

    private ToolResult execute(Optional<McpSession> session, JsonNode arguments, CallStop stop,
                               ExecutionListener progress) throws InterruptedException {
        ExecuteArguments call;
        try {
            call = ExecuteArguments.of(arguments, settings.maxTimeout());
        } catch (InvalidArgumentException e) {
            return ToolResult.error(e.getMessage());
        }
        try {
            if (call.contextId().isPresent()) {
                return executeIn(call.contextId().get(), call, stop, progress);
            }
            if (session.isPresent()) {
                return executeInSession(session.get(), call, stop, progress);
            }
            return executeInNew(call, stop, progress);
        } catch (ContextException e) {
            return ToolResult.error(e.reason() == ContextException.Reason.BUSY
                    ? "the code did not run: " + e.getMessage() : noInterpreter(e));
        } catch (RejectedException e) {
            return ToolResult.error("the code did not run: " + e.getMessage()
                    + (e.reason() == RejectedException.Reason.BUSY ? "; try again in a moment" : ""));
        } catch (IOException e) {
            return ToolResult.error("the code did not run: the daemon could not start an interpreter: " + e.getMessage());
        }
    }

    /** Runs the call in the interpreter it names; one that has ended is told, with a fresh id. */
    private ToolResult executeIn(String contextId, ExecuteArguments call, CallStop stop, ExecutionListener progress)
            throws IOException, InterruptedException {
        ExecutionResult result;
        try {
            result = run(contextId, call, stop, progress);
        } catch (ContextException e) {
            if (e.reason() != ContextException.Reason.NOT_FOUND) {
                throw e;
            }
            return ended.answer(contextId, "the code did not run");
        }
        return ExecutionContent.of(result, died(result), json);
    }

    /**
     * Runs the call in a new interpreter, which stays for the calls that name it. One whose code
     * could not start is ended at once: no answer names it, so no call would come back to it.
     */
    private ToolResult executeInNew(ExecuteArguments call, CallStop stop, ExecutionListener progress)
            throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            String contextId = contexts.create(settings.context(), true).id();
            try {
                ExecutionResult result = run(contextId, call, stop, progress);
                return ExecutionContent.of(result, died(result), json);
            } catch (ContextException e) {
                // Reclaimed for another before its first code started: the code has not run, so it may run once.
                if (e.reason() != ContextException.Reason.NOT_FOUND || attempt == 2) {
                    endUnused(contextId);
                    throw e;
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                endUnused(contextId);
                throw e;
            }
        }
    }

    private void endUnused(String contextId) throws InterruptedException {
        try {
            contexts.delete(contextId);
        } catch (ContextException e) {
            // Reclaimed already.
        }
    }

    /** Runs the call in the session's own interpreter, in a fresh one if that ended on its own, and says so. */
    private ToolResult executeInSession(McpSession session, ExecuteArguments call, CallStop stop,
                                        ExecutionListener progress) throws IOException, InterruptedException {
        Optional<String> context = session.context(Optional.empty());
        if (context.isEmpty()) {
            return ToolResult.error(ENDED);
        }
        List<String> notes = new ArrayList<>();
        ExecutionResult result;
        boolean replacedBefore = false;
        try {
            result = run(context.get(), call, stop, progress);
        } catch (ContextException e) {
            if (e.reason() != ContextException.Reason.NOT_FOUND) {
                throw e;
            }
            // It ended before the code started, so running the code in a fresh one runs it once.
            Optional<String> fresh = session.context(context);
            if (fresh.isEmpty()) {
                return ToolResult.error(ENDED);
            }
            notes.add(restarted(contexts.ending(context.get())));
            result = run(fresh.get(), call, stop, progress);
            replacedBefore = true;
        }
        notes.addAll(died(result));
        return ExecutionContent.of(replacedBefore ? result.withContextRestarted() : result, notes, json);
    }

    private ExecutionResult run(String contextId, ExecuteArguments call, CallStop stop, ExecutionListener progress)
            throws IOException, InterruptedException {
        Job job = new Job(call.code(), Map.of(), settings.context().cwd(), call.timeout().orElse(settings.defaultTimeout()),
                settings.context().limits(), settings.context().network(), Optional.of(contextId));
        return executions.execute(job, new CallListener(stop, progress));
    }

    /** The note for an execution whose interpreter did not survive it. */
    private static List<String> died(ExecutionResult result) {
        return result.contextRestarted() ? List.of("the interpreter did not survive this call (it was killed or"
                + " crashed) and was replaced by a fresh one: variables, imports and background processes of"
                + " earlier calls are gone") : List.of();
    }

    /** The note for a call that found its session's interpreter gone and ran in a fresh one. */
    private String restarted(Optional<String> ending) {
        String why = ending.map(e -> "the previous one " + e).orElse(settings.contextIdleTimeout().isZero()
                ? "the previous one was ended" : "the previous one went " + Durations.seconds(settings.contextIdleTimeout())
                + " without a call, or was ended");
        return "the Python interpreter was restarted before this call (" + why + "): variables, imports and"
                + " background processes of earlier calls are gone, so define again what this code needs";
    }

    static String noInterpreter(ContextException e) {
        String text = "no Python interpreter could be started: " + e.getMessage();
        return e.reason() == ContextException.Reason.TOO_MANY
                ? text + "; try again once another interpreter has ended or gone idle" : text;
    }
}
