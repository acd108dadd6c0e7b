package dev.interpreterd.os;

import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;

/** A blocking stream over a file descriptor the JDK did not open, read with read(2). */
final class DescriptorInputStream extends InputStream {

    private static final int EINTR = 4;

    private int fd;

    DescriptorInputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        int descriptor = descriptor();
        byte[] target = offset == 0 ? buffer : new byte[length];
        while (true) {
            long n = LibC.INSTANCE.read(descriptor, target, length);
            if (n > 0) {
                if (target != buffer) {
                    System.arraycopy(target, 0, buffer, offset, (int) n);
                }
                return (int) n;
            }
            if (n == 0) {
                return -1;
            }
            int errno = Native.getLastError();
            if (errno != EINTR) {
                throw new IOException("read failed with errno " + errno);
            }
        }
    }

    private synchronized int descriptor() throws IOException {
        if (fd < 0) {
            throw new IOException("stream closed");
        }
        return fd;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            LibC.INSTANCE.close(fd);
            fd = -1;
        }
    }
}
