package dev.interpreterd.mcp;

import dev.interpreterd.exec.ExecutionListener;
import dev.interpreterd.exec.Output;

/**
 * Hears the execution of one {@code tools/call}: hands its stopper to the call's {@link CallStop},
 * so that the client may cancel it, and passes everything on to {@code progress}.
 */
final class CallListener implements ExecutionListener {

    private final CallStop stop;
    private final ExecutionListener progress;

    CallListener(CallStop stop, ExecutionListener progress) {
        this.stop = stop;
        this.progress = progress;
    }

    @Override
    public void started(String sessionId, Stopper stopper) {
        stop.started(stopper);
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
