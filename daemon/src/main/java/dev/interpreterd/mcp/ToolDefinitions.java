package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.units.Durations;
import dev.interpreterd.units.Sizes;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * The tools as {@code tools/list} shows them. The descriptions are what a model knows of the tools
 * before it calls them, so they say what persists, what comes back, how to keep an interpreter
 * (its {@code contextId}), and the limits, with this daemon's own values. A legacy session has an
 * interpreter of its own; a modern call without an id gets a new one, and the descriptions say which.
 */
final class ToolDefinitions {

    /** Runs code in an interpreter. */
    static final String EXECUTE = "execute_python";
    /** Gives an interpreter a fresh start. */
    static final String RESET = "reset_python";
    /** Ends an interpreter. */
    static final String CLOSE = "close_python";
    /** Every tool's name. */
    static final List<String> NAMES = List.of(EXECUTE, RESET, CLOSE);
    /** The argument that names an interpreter, in every tool. */
    static final String CONTEXT_ID = "contextId";
    /** The {@code x-mcp-header} of {@link #CONTEXT_ID}: a modern client mirrors it in {@code Mcp-Param-ContextId}. */
    static final String CONTEXT_HEADER = "ContextId";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ToolDefinitions() {
    }

    /** The tools, for the {@code tools} field of the answer to {@code tools/list}; {@code modern} for the modern era. */
    static ArrayNode of(McpSettings settings, boolean modern) {
        ArrayNode tools = NODES.arrayNode();
        tools.add(execute(settings, modern));
        tools.add(reset(modern));
        tools.add(close());
        return tools;
    }

    private static ObjectNode execute(McpSettings settings, boolean modern) {
        ObjectNode tool = tool(EXECUTE, "Run Python", executeDescription(settings, modern));
        ObjectNode schema = tool.putObject("inputSchema");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("code").put("type", "string").put("description",
                "Python 3 source, run like a notebook cell in the interpreter. print() what you want to"
                        + " see; the value of a last line that is an expression is shown too.");
        ObjectNode timeout = properties.putObject("timeout").put("type", "number").put("exclusiveMinimum", 0);
        if (settings.maxTimeout().getNano() == 0) {
            timeout.put("maximum", settings.maxTimeout().getSeconds());
        } else {
            timeout.put("maximum", BigDecimal.valueOf(settings.maxTimeout().toNanos(), 9).stripTrailingZeros());
        }
        timeout.put("description", "Wall-clock limit of this call in seconds (default "
                + Durations.number(settings.defaultTimeout()) + ", at most " + Durations.number(settings.maxTimeout()) + ").");
        contextId(properties, "The interpreter to run in: the contextId an earlier answer began with. Pass it to"
                + " keep the variables, functions and imports of the calls made with it; "
                + (modern ? "leave it out to start a new, empty interpreter." : "leave it out to use this session's own"
                + " interpreter."));
        schema.putArray("required").add("code");
        schema.put("additionalProperties", false);
        tool.set("outputSchema", outputSchema());
        annotate(tool, false, settings.context().network());
        return tool;
    }

    private static String executeDescription(McpSettings settings, boolean modern) {
        Duration idle = settings.contextIdleTimeout();
        return "Run Python 3 code and get back what it printed (stdout and stderr), the value of its last expression,"
                + " and how it ended: ok, an exception with its traceback, sys.exit(), a timeout, or a signal."
                + " The code runs in a Python interpreter that keeps its state, like a notebook: variables, functions,"
                + " imports, threads and background processes stay for the next call in the same interpreter (files"
                + " written to disk stay too, for every interpreter)."
                + " The answer to code that ran begins with 'contextId: <id>', the interpreter it ran in: pass that"
                + " id as " + CONTEXT_ID
                + " in later calls to keep working with what earlier calls defined."
                + (modern ? " A call without " + CONTEXT_ID + " starts a new, empty interpreter."
                        : " A call without " + CONTEXT_ID + " runs in this session's own interpreter.")
                + " Plots come back as images: with matplotlib call plt.show() (figures still open at the end are"
                + " shown too); display(obj) shows any object, as a notebook would."
                + " stdin is empty, so input() fails. Only the standard library and the packages already installed"
                + " can be imported."
                + (settings.context().network() ? "" : " There is no network.")
                + " Each call may run for 'timeout' seconds (default " + Durations.number(settings.defaultTimeout())
                + ", at most " + Durations.number(settings.maxTimeout()) + "). When it runs out the code gets"
                + " KeyboardInterrupt and the state is kept; if the interpreter has to be killed or crashes (e.g."
                + " past the " + Sizes.format(settings.context().limits().memoryBytes()) + " memory limit), its"
                + " state is lost and the answer says so."
                + (idle.isZero() ? "" : " An interpreter ends after " + Durations.seconds(idle) + " without a call, or"
                        + " sooner when it is idle and the room is needed.")
                + " A call naming an interpreter that has ended runs nothing: its answer says so and gives the"
                + " contextId of a fresh one to use instead."
                + " Long output is cut in the text to its beginning and end (" + ExecutionContent.SECTION_CAP_CHARS
                + " characters a section), with a line saying how much was cut."
                + " Call " + RESET + " to start an interpreter over, and " + CLOSE + " when you are done with one.";
    }

    /** What {@code structuredContent} of {@code execute_python} holds: the HTTP API's answer to an execution. */
    private static ObjectNode outputSchema() {
        ObjectNode schema = NODES.objectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject(CONTEXT_ID).put("type", "string")
                .put("description", "The interpreter the code ran in: pass it back to keep its state.");
        properties.putObject("sessionId").put("type", "string").put("description", "The execution's id, as logged.");
        ObjectNode status = properties.putObject("status").put("type", "string");
        status.putArray("enum").add("ok").add("error").add("exit").add("interrupted").add("killed");
        properties.putObject("stdout").put("type", "string");
        properties.putObject("stderr").put("type", "string");
        properties.putObject("stdoutTruncated").put("type", "boolean");
        properties.putObject("stderrTruncated").put("type", "boolean");
        properties.putObject("exitCode").putArray("type").add("integer").add("null");
        properties.putObject("signal").putArray("type").add("string").add("null");
        ObjectNode error = properties.putObject("error");
        error.putArray("type").add("object").add("null");
        ObjectNode errorFields = error.putObject("properties");
        errorFields.putObject("name").put("type", "string");
        errorFields.putObject("value").put("type", "string");
        errorFields.putObject("traceback").put("type", "array").putObject("items").put("type", "string");
        error.putArray("required").add("name").add("value").add("traceback");
        ObjectNode output = properties.putObject("results").put("type", "array").putObject("items");
        output.put("type", "object");
        ObjectNode outputFields = output.putObject("properties");
        outputFields.putObject("type").put("type", "string").putArray("enum").add("result").add("display");
        outputFields.putObject("data").put("type", "object")
                .put("description", "A MIME bundle: text/plain always, and what else the object offers.");
        output.putArray("required").add("type").add("data");
        properties.putObject("resultsTruncated").put("type", "boolean");
        properties.putObject("contextRestarted").put("type", "boolean")
                .put("description", "True when the interpreter did not survive the call and a fresh one took its place.");
        properties.putObject("durationMs").put("type", "number").put("minimum", 0);
        ArrayNode required = schema.putArray("required");
        properties.fieldNames().forEachRemaining(required::add);
        return schema;
    }

    private static ObjectNode reset(boolean modern) {
        ObjectNode tool = tool(RESET, "Reset Python", "Give an interpreter a fresh, empty start: variables, imports,"
                + " threads and background processes of earlier " + EXECUTE + " calls in it are gone; files on disk"
                + " stay. A call of " + EXECUTE + " still running in it ends first. Use it when the state is broken or"
                + " to start over; the first " + EXECUTE + " needs no reset. The answer names the contextId to use.");
        ObjectNode schema = tool.putObject("inputSchema");
        schema.put("type", "object");
        contextId(schema.putObject("properties"), "The interpreter to start over: the contextId an earlier answer"
                + " began with; " + (modern ? "leave it out for a new one." : "leave it out for this session's own."));
        schema.put("additionalProperties", false);
        annotate(tool, true, false);
        return tool;
    }

    private static ObjectNode close() {
        ObjectNode tool = tool(CLOSE, "Close Python", "End an interpreter you no longer need, with its variables and"
                + " background processes, to free its memory at once rather than when it has idled out; files on disk"
                + " stay. A call of " + EXECUTE + " still running in it ends with it. Later calls naming it are told"
                + " it has ended.");
        ObjectNode schema = tool.putObject("inputSchema");
        schema.put("type", "object");
        contextId(schema.putObject("properties"), "The interpreter to end: the contextId an earlier answer began with.");
        schema.putArray("required").add(CONTEXT_ID);
        schema.put("additionalProperties", false);
        annotate(tool, true, false);
        return tool;
    }

    /** The hints of a tool that changes an interpreter's state: never read-only, always destructive. */
    private static void annotate(ObjectNode tool, boolean idempotent, boolean openWorld) {
        ObjectNode annotations = tool.putObject("annotations");
        annotations.put("readOnlyHint", false);
        annotations.put("destructiveHint", true);
        annotations.put("idempotentHint", idempotent);
        annotations.put("openWorldHint", openWorld);
    }

    /** The {@code contextId} property, mirrored in a header so that a gateway can route by it. */
    private static void contextId(ObjectNode properties, String description) {
        properties.putObject(CONTEXT_ID).put("type", "string").put("minLength", 1).put("description", description)
                .put("x-mcp-header", CONTEXT_HEADER);
    }

    private static ObjectNode tool(String name, String title, String description) {
        ObjectNode tool = NODES.objectNode();
        tool.put("name", name);
        tool.put("title", title);
        tool.put("description", description);
        return tool;
    }
}
