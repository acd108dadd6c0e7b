package dev.interpreterd.exec.output;

import java.io.OutputStream;

/**
 * One output pipe of a context, read for the context's whole life. What arrives while an execution
 * runs goes to that execution's {@link CappedOutput}, up to the marker the runner writes once the
 * execution has ended, which also ends that output; what arrives between executions (from processes
 * the code left running) is dropped. The end of the pipe ends the current output too.
 */
public final class MarkedOutput extends OutputStream {

    private CappedOutput target;
    private byte[] marker = new byte[0];
    /** How many bytes of the marker the last bytes written matched; held back until they do not. */
    private int matched;

    /**
     * Sends what comes from now on to {@code next}, until {@code end}, the marker. The marker's first
     * byte must not occur again in it, so that a failed partial match never hides the start of a real one.
     */
    public synchronized void expect(CappedOutput next, byte[] end) {
        target = next;
        marker = end.clone();
        matched = 0;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        int run = offset;
        for (int i = offset; i < offset + length && target != null; i++) {
            if (bytes[i] == marker[matched]) {
                if (matched == 0) {
                    target.write(bytes, run, i - run);
                }
                matched++;
                if (matched == marker.length) {
                    target.close();
                    target = null;
                    matched = 0;
                }
                run = i + 1;
            } else if (matched > 0) {
                // Not the marker after all: what was held back is output, and this byte may start it again.
                target.write(marker, 0, matched);
                matched = 0;
                run = i;
                i--;
            }
        }
        if (target != null && matched == 0) {
            target.write(bytes, run, offset + length - run);
        }
    }

    /** The pipe has ended: whatever was held back is output, and the current output ends. */
    @Override
    public synchronized void close() {
        if (target != null) {
            target.write(marker, 0, matched);
            target.close();
            target = null;
        }
        matched = 0;
    }
}
