package dev.interpreterd.exec.output;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the first {@code capBytes} bytes written to it and counts the rest, so a worker that prints
 * gigabytes costs the daemon no more than the cap. Closed by the pump when the pipe reaches its end.
 */
public final class CappedOutput extends OutputStream {

    private final int capBytes;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final CountDownLatch closed = new CountDownLatch(1);
    private long totalBytes;
    private TextDecoder listener;

    public CappedOutput(long capBytes) {
        this.capBytes = (int) Math.min(capBytes, Integer.MAX_VALUE - 8);
    }

    /** Also passes the kept bytes, decoded, to {@code sink} as they arrive. */
    public synchronized void listen(java.util.function.Consumer<String> sink) {
        listener = new TextDecoder(sink);
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        int room = capBytes - kept.size();
        if (room > 0) {
            int keep = Math.min(room, length);
            kept.write(bytes, offset, keep);
            if (listener != null) {
                listener.accept(bytes, offset, keep);
            }
        }
        totalBytes += length;
    }

    /**
     * The stream has reached its end. A listener gets the end of an unfinished character as U+FFFD,
     * as {@link #text()} shows it, unless the cap cut the stream, when {@link #text()} drops it too.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (listener != null && !truncated()) {
                listener.end();
            }
        }
        closed.countDown();
    }

    /** Waits until the stream's pipe has reached its end; false if it had not by the deadline. */
    boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        return closed.await(timeout, unit);
    }

    /** Every byte the worker wrote, kept or not. */
    public synchronized long totalBytes() {
        return totalBytes;
    }

    /** True when more was written than was kept. */
    public synchronized boolean truncated() {
        return totalBytes > capBytes;
    }

    /**
     * The kept bytes as UTF-8, invalid sequences replaced by U+FFFD. When the cap cut a character
     * in two, the cut piece is dropped rather than shown as a replacement character.
     */
    public synchronized String text() {
        byte[] bytes = kept.toByteArray();
        int end = truncated() ? completeUtf8Prefix(bytes) : bytes.length;
        return new String(Arrays.copyOf(bytes, end), StandardCharsets.UTF_8);
    }

    /** The length of bytes without a multi-byte sequence that starts near the end but does not finish. */
    static int completeUtf8Prefix(byte[] bytes) {
        for (int back = 1; back <= 3 && back <= bytes.length; back++) {
            int b = bytes[bytes.length - back] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return needed > back ? bytes.length - back : bytes.length;
            }
        }
        return bytes.length;
    }
}
