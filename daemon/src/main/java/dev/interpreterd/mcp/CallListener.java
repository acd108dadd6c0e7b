package dev.interpreterd.mcp;

import dev.interpreterd.exec.ExecutionListener;
import dev.interpreterd.exec.Output;

/**
 * Hears the execution of one {@code tools/call}: registers its stopper with the session under the
 * request id, so that the client may cancel it, and passes everything on to {@code progress}.
 */
final class CallListener implements ExecutionListener {

    private final McpSession session;
    private final String requestId;
    private final ExecutionListener progress;

    CallListener(McpSession session, String requestId, ExecutionListener progress) {
        this.session = session;
        this.requestId = requestId;
        this.progress = progress;
    }

    @Override
    public void started(String sessionId, Stopper stopper) {
        session.started(requestId, stopper);
        progress.started(sessionId, stopper);
    }

    @Override
    public void stdout(String text) {
        progress.stdout(text);
    }

    @Override
    public void stderr(String text) {
        progress.stderr(text);
    }

    @Override
    public void output(Output output) {
        progress.output(output);
    }
}
