package dev.interpreterd.mcp;

import dev.interpreterd.context.ContextException;
import dev.interpreterd.context.ContextSettings;
import dev.interpreterd.context.Contexts;

/**
 * What a call is told when its {@code contextId} names an interpreter that has ended: that it did
 * nothing, why the interpreter ended as far as the daemon knows, and the id of a fresh one to call
 * again with. Never a silent restart: the model must learn that its state is gone.
 */
final class EndedInterpreters {

    private final Contexts contexts;
    private final ContextSettings settings;

    /** Makes fresh interpreters in {@code contexts} with {@code settings}. */
    EndedInterpreters(Contexts contexts, ContextSettings settings) {
        this.contexts = contexts;
        this.settings = settings;
    }

    /**
     * The answer to a call that names an interpreter that has ended: it says so and why, and gives
     * the id of a fresh one, made now, to call again with.
     */
    ToolResult answer(String contextId, String consequence) throws InterruptedException {
        String what = consequence + ": no interpreter has " + ToolDefinitions.CONTEXT_ID + " " + contextId + " ("
                + why(contextId) + "), so the variables, imports and functions of the calls made in it are gone";
        String fresh;
        try {
            fresh = contexts.create(settings, true).id();
        } catch (ContextException e) {
            return ToolResult.error(what + "; and no fresh interpreter could be started: " + e.getMessage());
        }
        return ToolResult.error(what + ".\nA fresh, empty interpreter is ready: call again with "
                + ToolDefinitions.CONTEXT_ID + " " + fresh + ", and define again what the code needs.");
    }

    /** Why the interpreter with this id is not live, as far as the daemon knows. */
    String why(String contextId) {
        return contexts.ending(contextId).map(ending -> "it " + ending)
                .orElse("it never existed on this daemon, or ended long ago");
    }
}
