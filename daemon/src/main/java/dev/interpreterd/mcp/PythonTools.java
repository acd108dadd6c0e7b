package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.exec.ExecutionListener;
import dev.interpreterd.exec.ExecutionResult;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.exec.Job;
import dev.interpreterd.exec.RejectedException;
import dev.interpreterd.exec.box.ContextException;
import dev.interpreterd.exec.box.ContextInfo;
import dev.interpreterd.units.Durations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The calls of {@code execute_python} and {@code reset_python}, each in the calling session's context. */
final class PythonTools {

    private static final String ENDED = "this MCP session has ended; start a new one (initialize) to run code";

    private final ExecutionService executions;
    private final McpSettings settings;
    private final ObjectMapper json;

    PythonTools(ExecutionService executions, McpSettings settings, ObjectMapper json) {
        this.executions = executions;
        this.settings = settings;
        this.json = json;
    }

    /**
     * Runs one tool call.
     *
     * @param requestId the JSON-RPC id of the call, by which the client may cancel it
     * @param progress hears the code's output as it comes, to report progress; {@link ExecutionListener#NONE} for none
     * @throws JsonRpcException {@link JsonRpc#INVALID_PARAMS} for a tool this server does not have
     */
    ToolResult call(McpSession session, String name, JsonNode arguments, String requestId, ExecutionListener progress)
            throws JsonRpcException, InterruptedException {
        return switch (name) {
            case ToolDefinitions.EXECUTE -> execute(session, arguments, requestId, progress);
            case ToolDefinitions.RESET -> reset(session, arguments);
            default -> throw JsonRpcException.invalidParams("Unknown tool: " + name + "; the tools are "
                    + ToolDefinitions.EXECUTE + " and " + ToolDefinitions.RESET);
        };
    }

    private ToolResult execute(McpSession session, JsonNode arguments, String requestId, ExecutionListener progress)
            throws InterruptedException {
        ExecuteArguments call;
        try {
            call = ExecuteArguments.of(arguments, settings.maxTimeout());
        } catch (InvalidArgumentException e) {
            return ToolResult.error(e.getMessage());
        }
        try {
            return executeInContext(session, call, requestId, progress);
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

    /** Runs the call in the session's context, in a fresh one if that ended on its own, and says so. */
    private ToolResult executeInContext(McpSession session, ExecuteArguments call, String requestId,
                                        ExecutionListener progress) throws IOException, InterruptedException {
        Optional<String> context = session.context(Optional.empty());
        if (context.isEmpty()) {
            return ToolResult.error(ENDED);
        }
        List<String> notes = new ArrayList<>();
        ExecutionResult result;
        boolean replacedBefore = false;
        try {
            result = run(session, context.get(), call, requestId, progress);
        } catch (ContextException e) {
            if (e.reason() != ContextException.Reason.NOT_FOUND) {
                throw e;
            }
            // It ended before the code started, so running the code in a fresh one runs it once.
            Optional<String> fresh = session.context(context);
            if (fresh.isEmpty()) {
                return ToolResult.error(ENDED);
            }
            notes.add(restarted(session.ending(context.get())));
            result = run(session, fresh.get(), call, requestId, progress);
            replacedBefore = true;
        }
        if (result.contextRestarted()) {
            notes.add("the interpreter did not survive this call (it was killed or crashed) and was replaced by"
                    + " a fresh one: variables, imports and background processes of earlier calls are gone");
        }
        return ExecutionContent.of(replacedBefore ? result.withContextRestarted() : result, notes, json);
    }

    private ExecutionResult run(McpSession session, String contextId, ExecuteArguments call, String requestId,
                                ExecutionListener progress) throws IOException, InterruptedException {
        Job job = new Job(call.code(), Map.of(), settings.context().cwd(), call.timeout().orElse(settings.defaultTimeout()),
                settings.context().limits(), settings.context().network(), Optional.of(contextId));
        session.begin(requestId);
        try {
            return executions.execute(job, new CallListener(session, requestId, progress));
        } finally {
            session.finished(requestId);
        }
    }

    private ToolResult reset(McpSession session, JsonNode arguments) throws InterruptedException {
        if (arguments.size() > 0) {
            return ToolResult.error(ToolDefinitions.RESET + " takes no arguments; leave out '"
                    + arguments.fieldNames().next() + "'");
        }
        try {
            Optional<ContextInfo> context = session.restart();
            if (context.isEmpty()) {
                return ToolResult.error(ENDED);
            }
            return new ToolResult(List.of(ToolResult.text("The session has a fresh Python interpreter: variables,"
                    + " imports and background processes of earlier calls are gone; files on disk stay.")),
                    Optional.of(json.valueToTree(context.get())), false);
        } catch (ContextException e) {
            return ToolResult.error(noInterpreter(e));
        }
    }

    /** The note for a call that found its session's interpreter gone and ran in a fresh one. */
    private String restarted(Optional<String> ending) {
        String why = ending.map(e -> "the previous one " + e).orElse(settings.contextIdleTimeout().isZero()
                ? "the previous one was ended" : "the previous one went " + Durations.seconds(settings.contextIdleTimeout())
                + " without a call, or was ended");
        return "the Python interpreter was restarted before this call (" + why + "): variables, imports and"
                + " background processes of earlier calls are gone, so define again what this code needs";
    }

    private static String noInterpreter(ContextException e) {
        String text = "no Python interpreter could be started for this session: " + e.getMessage();
        return e.reason() == ContextException.Reason.TOO_MANY
                ? text + "; try again once another session has ended or its interpreter has gone idle" : text;
    }
}
