package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interpreterd.units.Durations;
import dev.interpreterd.units.Sizes;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The tools as {@code tools/list} shows them. The descriptions are what a model knows of the tools
 * before it calls them, so they say what persists, what comes back, and the limits, with this
 * daemon's own values.
 */
final class ToolDefinitions {

    /** Runs code in the session's interpreter. */
    static final String EXECUTE = "execute_python";
    /** Gives the session a fresh interpreter. */
    static final String RESET = "reset_python";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ToolDefinitions() {
    }

    /** Both tools, for the {@code tools} field of the answer to {@code tools/list}. */
    static ArrayNode of(McpSettings settings) {
        ArrayNode tools = NODES.arrayNode();
        tools.add(execute(settings));
        tools.add(reset());
        return tools;
    }

    private static ObjectNode execute(McpSettings settings) {
        ObjectNode tool = tool(EXECUTE, "Run Python", executeDescription(settings));
        ObjectNode schema = tool.putObject("inputSchema");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("code").put("type", "string").put("description",
                "Python 3 source, run like a notebook cell in the session's interpreter. print() what you want to"
                        + " see; the value of a last line that is an expression is shown too.");
        ObjectNode timeout = properties.putObject("timeout").put("type", "number").put("exclusiveMinimum", 0);
        if (settings.maxTimeout().getNano() == 0) {
            timeout.put("maximum", settings.maxTimeout().getSeconds());
        } else {
            timeout.put("maximum", BigDecimal.valueOf(settings.maxTimeout().toNanos(), 9).stripTrailingZeros());
        }
        timeout.put("description", "Wall-clock limit of this call in seconds (default "
                + Durations.number(settings.defaultTimeout()) + ", at most " + Durations.number(settings.maxTimeout()) + ").");
        schema.putArray("required").add("code");
        schema.put("additionalProperties", false);
        ObjectNode annotations = tool.putObject("annotations");
        annotations.put("readOnlyHint", false);
        annotations.put("destructiveHint", true);
        annotations.put("idempotentHint", false);
        annotations.put("openWorldHint", settings.context().network());
        return tool;
    }

    private static String executeDescription(McpSettings settings) {
        Duration idle = settings.contextIdleTimeout();
        return "Run Python 3 code and get back what it printed (stdout and stderr), the value of its last expression,"
                + " and how it ended: ok, an exception with its traceback, sys.exit(), a timeout, or a signal."
                + " The code runs in this session's own interpreter, like a notebook: variables, functions, imports,"
                + " threads and background processes stay for the next call of the same session (files written"
                + " to disk stay too); other sessions see none of that state."
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
                + (idle.isZero() ? " The interpreter lives until the session ends."
                        : " The interpreter ends after " + Durations.seconds(idle) + " without a call, or when the"
                                + " session ends; the next call then starts a fresh one and says so.")
                + " Long output is cut in the text to its beginning and end (" + ExecutionContent.SECTION_CAP_CHARS
                + " characters a section), with a line saying how much was cut."
                + " Call " + RESET + " to start over with an empty interpreter.";
    }

    private static ObjectNode reset() {
        ObjectNode tool = tool(RESET, "Reset Python", "Give this session a fresh, empty Python interpreter:"
                + " variables, imports, threads and background processes of earlier " + EXECUTE + " calls are gone;"
                + " files on disk stay. A call of " + EXECUTE + " still running in the session ends first. Use it"
                + " when the state is broken or to start over; the first " + EXECUTE + " needs no reset.");
        ObjectNode schema = tool.putObject("inputSchema");
        schema.put("type", "object");
        schema.putObject("properties");
        schema.put("additionalProperties", false);
        ObjectNode annotations = tool.putObject("annotations");
        annotations.put("readOnlyHint", false);
        annotations.put("destructiveHint", true);
        annotations.put("idempotentHint", true);
        annotations.put("openWorldHint", false);
        return tool;
    }

    private static ObjectNode tool(String name, String title, String description) {
        ObjectNode tool = NODES.objectNode();
        tool.put("name", name);
        tool.put("title", title);
        tool.put("description", description);
        return tool;
    }
}
