package dev.interpreterd.exec.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * One worker's end of the control socket: frames of a 4-byte big-endian length and UTF-8 JSON.
 * The code's stdout and stderr never travel here, so nothing the code prints can forge a frame.
 */
public final class ControlConnection implements AutoCloseable {

    /** Largest frame accepted from a worker; bigger ones mean a broken or hostile worker. */
    static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final SocketChannel channel;
    private final DataInputStream in;
    private final ObjectMapper json;
    private volatile long peerPid;

    ControlConnection(SocketChannel channel, ObjectMapper json) {
        this.channel = channel;
        this.in = new DataInputStream(Channels.newInputStream(channel));
        this.json = json;
    }

    /**
     * Blocks until the next frame arrives.
     *
     * @throws EOFException when the worker closed the connection
     * @throws IOException when the frame is not valid or the connection broke
     */
    public Frame read() throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME_BYTES) {
            throw new IOException("worker sent a frame of " + Integer.toUnsignedString(length)
                    + " bytes, over the limit of " + MAX_FRAME_BYTES);
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        return json.readValue(payload, Frame.class);
    }

    /** The pid the peer gave in its hello. */
    public long peerPid() {
        return peerPid;
    }

    void peerPid(long pid) {
        peerPid = pid;
    }

    /** Sends one frame. */
    public void send(Frame message) throws IOException {
        byte[] payload = json.writeValueAsBytes(message);
        ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket whose peer is gone has nothing left to report.
        }
    }
}
