package dev.interpreterd.os;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The sd_notify protocol without libsystemd: one datagram per message to the unix socket named by
 * {@code $NOTIFY_SOCKET} (a path, or an abstract name when it starts with {@code @}).
 */
public final class SdNotify implements Notifier {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_BYTES = 108;

    private final byte[] address;

    private SdNotify(byte[] address) {
        this.address = address;
    }

    /** The notifier for {@code $NOTIFY_SOCKET}, or {@link Notifier#NONE} when it is not set. */
    public static Notifier fromEnvironment(Map<String, String> environment) {
        String socket = environment.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return NONE;
        }
        return new SdNotify(sockaddr(socket));
    }

    /** A {@code struct sockaddr_un}: the family as a native-endian short, then the path. */
    static byte[] sockaddr(String socket) {
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length > SUN_PATH_BYTES - 1) {
            throw new IllegalArgumentException("NOTIFY_SOCKET is longer than a unix socket path may be: " + socket);
        }
        if (path[0] == '@') {
            path[0] = 0; // abstract namespace
        }
        byte[] address = new byte[2 + path.length + (path[0] == 0 ? 0 : 1)];
        address[0] = (byte) AF_UNIX; // little-endian sa_family_t on every Linux JNA supports here
        System.arraycopy(path, 0, address, 2, path.length);
        return address;
    }

    /** Sends one datagram; a manager that went away is not the daemon's problem, so errors are dropped. */
    @Override
    public void notify(String state) {
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        int fd = LibC.INSTANCE.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return;
        }
        try {
            LibC.INSTANCE.sendto(fd, message, message.length, MSG_NOSIGNAL, address, address.length);
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

}
