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
 * Each connection has one owner, which alone sends on it: the box for its init's, the zygote for its
 * own, the spawned worker for its supervisor's.
 */
public final class ControlConnection implements AutoCloseable {

    /** Largest frame accepted from a worker; bigger ones mean a broken or hostile worker. */
    static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private final SocketChannel channel;
    private final DataInputStream in;
    private final ObjectMapper json;
    private final long peerPid;

    private ControlConnection(SocketChannel channel, DataInputStream in, ObjectMapper json, long peerPid) {
        this.channel = channel;
        this.in = in;
        this.json = json;
        this.peerPid = peerPid;
    }

    /**
     * A connection whose peer has said who it is.
     *
     * @param connection the connection, which knows the peer's pid
     * @param hello what the peer said first: its pid, its secret, and an error if it could not start
     */
    record Greeted(ControlConnection connection, Frame.Hello hello) {
    }

    /**
     * Reads the first frame of a peer that just connected, which must be its hello.
     *
     * @throws IOException when the peer says something else first, or nothing before the channel closes
     */
    static Greeted greet(SocketChannel channel, ObjectMapper json) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
        if (!(read(in, json) instanceof Frame.Hello hello)) {
            throw new IOException("the peer did not begin with hello");
        }
        return new Greeted(new ControlConnection(channel, in, json, hello.pid()), hello);
    }

    /**
     * Blocks until the next frame arrives.
     *
     * @throws EOFException when the worker closed the connection
     * @throws IOException when the frame is not valid or the connection broke
     */
    public Frame read() throws IOException {
        return read(in, json);
    }

    private static Frame read(DataInputStream in, ObjectMapper json) throws IOException {
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

    /**
     * Sends one frame. Only the connection's owner sends, one frame at a time: it serialises what
     * several threads ask it to send (a request's job, a timer's stop), so frames never interleave.
     */
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
