package dev.interpreterd.exec.output;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.zeroturnaround.exec.stream.PumpStreamHandler;

/**
 * zt-exec's pump handler with large reads, so that a worker flooding its pipes is drained at
 * memory speed, and that closes the targets at end of stream to tell {@link CappedOutput} it is done.
 */
public final class OutputPumps extends PumpStreamHandler {

    private static final int READ_BYTES = 64 * 1024;

    public OutputPumps(OutputStream stdout, OutputStream stderr, InputStream stdin) {
        super(stdout, stderr, stdin);
    }

    @Override
    protected Thread createPump(InputStream in, OutputStream out, boolean closeWhenExhausted, boolean flushImmediately) {
        return newThread(() -> pump(in, out));
    }

    /** Copies until end of stream, then closes both; used for pipes zt-exec does not own too. */
    public static void pump(InputStream in, OutputStream out) {
        byte[] buffer = new byte[READ_BYTES];
        try (in; out) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // The pipe broke because its process is gone; what was read is kept.
        }
    }
}
