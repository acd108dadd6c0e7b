package dev.interpreterd.os;

import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A FIFO that a process the daemon did not start (a supervisor forked by the zygote) writes into and
 * the daemon reads. The daemon opens the read end non-blocking from the start, so neither side's
 * open ever waits for the other, and makes it blocking once the writer is known to have opened it.
 */
public final class NamedPipe implements AutoCloseable {

    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int OWNER_READ_WRITE = 0600;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;

    private final Path path;
    private int holder;

    private NamedPipe(Path path, int holder) {
        this.path = path;
        this.holder = holder;
    }

    /** Creates the FIFO with mode 0600 and opens the daemon's holding read end. */
    public static NamedPipe create(Path path) throws IOException {
        if (LibC.INSTANCE.mkfifo(path.toString(), OWNER_READ_WRITE) != 0) {
            throw new IOException("mkfifo " + path + " failed with errno " + Native.getLastError());
        }
        int fd = LibC.INSTANCE.open(path.toString(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            int errno = Native.getLastError();
            Files.deleteIfExists(path);
            throw new IOException("open " + path + " failed with errno " + errno);
        }
        return new NamedPipe(path, fd);
    }

    /** The path the writer opens. */
    public Path path() {
        return path;
    }

    /**
     * Turns the read end into a blocking stream and removes the name. Call only once the writer has
     * the FIFO open, or the stream sees end-of-file at once; a writer that is already gone gives an
     * empty stream, never a wait.
     */
    public synchronized InputStream openReader() throws IOException {
        if (holder < 0) {
            throw new IOException(path + " is closed");
        }
        int flags = LibC.INSTANCE.fcntl(holder, F_GETFL, 0);
        if (flags < 0 || LibC.INSTANCE.fcntl(holder, F_SETFL, flags & ~O_NONBLOCK) < 0) {
            throw new IOException("fcntl " + path + " failed with errno " + Native.getLastError());
        }
        InputStream in = new DescriptorInputStream(holder);
        holder = -1;
        close();
        return in;
    }

    /** Closes the read end unless a stream took it, and removes the name. */
    @Override
    public synchronized void close() {
        if (holder >= 0) {
            LibC.INSTANCE.close(holder);
            holder = -1;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // The directory is removed at shutdown anyway.
        }
    }
}
