package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.context.ContextException;
import dev.interpreterd.context.ContextInfo;
import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.context.Contexts;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The calls of {@code reset_python} and {@code close_python}: a fresh start for an interpreter, and
 * its end. Each acts on the interpreter its {@code contextId} names; {@code reset_python} without
 * one, on its legacy session's own or, in the modern era, on a new one.
 */
final class InterpreterLifecycle {

    private final Contexts contexts;
    private final ContextSettings settings;
    private final EndedInterpreters ended;
    private final ObjectMapper json;

    /** Makes new interpreters with {@code settings}; tells calls naming ended ones through {@code ended}. */
    InterpreterLifecycle(Contexts contexts, ContextSettings settings, EndedInterpreters ended, ObjectMapper json) {
        this.contexts = contexts;
        this.settings = settings;
        this.ended = ended;
        this.json = json;
    }

    ToolResult reset(Optional<McpSession> session, JsonNode arguments) throws InterruptedException {
        Optional<String> named;
        try {
            named = onlyContextId(ToolDefinitions.RESET, arguments);
        } catch (InvalidArgumentException e) {
            return ToolResult.error(e.getMessage());
        }
        try {
            ContextInfo context;
            if (named.isPresent()) {
                try {
                    context = contexts.restart(named.get());
                } catch (ContextException e) {
                    if (e.reason() != ContextException.Reason.NOT_FOUND) {
                        throw e;
                    }
                    return ended.answer(named.get(), "nothing was reset");
                }
            } else if (session.isPresent()) {
                Optional<ContextInfo> restarted = session.get().restart();
                if (restarted.isEmpty()) {
                    return ToolResult.error(PythonTools.ENDED);
                }
                context = restarted.get();
            } else {
                context = contexts.create(settings, true);
            }
            return new ToolResult(List.of(ToolResult.text(ToolDefinitions.CONTEXT_ID + ": " + context.id()
                    + "\nThe interpreter has a fresh start: variables, imports and background processes of earlier"
                    + " calls are gone; files on disk stay.")), Optional.of(json.valueToTree(context)), false);
        } catch (ContextException e) {
            return ToolResult.error(PythonTools.noInterpreter(e));
        }
    }

    ToolResult close(JsonNode arguments) throws InterruptedException {
        Optional<String> named;
        try {
            named = onlyContextId(ToolDefinitions.CLOSE, arguments);
        } catch (InvalidArgumentException e) {
            return ToolResult.error(e.getMessage());
        }
        if (named.isEmpty()) {
            return ToolResult.error("argument '" + ToolDefinitions.CONTEXT_ID + "' is required: the id of the"
                    + " interpreter to end, as an earlier answer named it");
        }
        try {
            contexts.delete(named.get());
        } catch (ContextException e) {
            return ToolResult.error("nothing was closed: no interpreter has " + ToolDefinitions.CONTEXT_ID + " "
                    + named.get() + " (" + ended.why(named.get()) + ")");
        }
        return new ToolResult(List.of(ToolResult.text(ToolDefinitions.CONTEXT_ID + ": " + named.get()
                + "\nThe interpreter has ended, with its variables and background processes; files on disk stay."
                + " Calls that name it from now on are told so.")), Optional.empty(), false);
    }

    /** The {@code contextId} of a tool that takes nothing else. */
    private static Optional<String> onlyContextId(String tool, JsonNode arguments) throws InvalidArgumentException {
        for (Iterator<String> names = arguments.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals(ToolDefinitions.CONTEXT_ID)) {
                throw new InvalidArgumentException(tool + " takes only '" + ToolDefinitions.CONTEXT_ID
                        + "'; leave out '" + name + "'");
            }
        }
        return ExecuteArguments.contextId(arguments.get(ToolDefinitions.CONTEXT_ID));
    }
}
