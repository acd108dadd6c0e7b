package dev.interpreterd.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the daemon may do about users, read once at start from {@code /proc/self/status}: its
 * effective ids ({@code Uid:}, {@code Gid:}) and the capabilities it holds ({@code CapEff:}).
 * Running the code as another user takes root, or {@code CAP_SETUID} and {@code CAP_SETGID} to
 * switch to it and {@code CAP_KILL} to signal and kill what it runs (the shipped unit grants these
 * three as ambient capabilities).
 *
 * @param uid effective user id
 * @param gid effective group id
 * @param capabilities the effective capability set, bit n for capability number n
 */
public record Privilege(int uid, int gid, long capabilities) {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final String UID = "Uid:";
    private static final String GID = "Gid:";
    private static final String EFFECTIVE = "CapEff:";
    /** In the {@code Uid:} and {@code Gid:} lines: the real, effective, saved and file system ids, in that order. */
    private static final int EFFECTIVE_ID = 1;
    private static final int ROOT = 0;

    /** A capability that running the code as another user needs, with its number from linux/capability.h. */
    enum Capability {
        CAP_KILL(5), CAP_SETGID(6), CAP_SETUID(7);

        private final int number;

        Capability(int number) {
            this.number = number;
        }
    }

    /**
     * This process, as the kernel sees it now. It reads the one file and needs no native call, so it
     * is ready before JNA is.
     *
     * @throws IOException when {@code /proc/self/status} cannot be read or lacks one of its lines
     */
    public static Privilege ofThisProcess() throws IOException {
        List<String> status = Files.readAllLines(STATUS);
        return new Privilege(Integer.parseInt(field(status, UID).split("\\s+")[EFFECTIVE_ID]),
                Integer.parseInt(field(status, GID).split("\\s+")[EFFECTIVE_ID]),
                Long.parseUnsignedLong(field(status, EFFECTIVE), 16));
    }

    /** The value of the line that begins with {@code name}, trimmed. */
    private static String field(List<String> status, String name) throws IOException {
        for (String line : status) {
            if (line.startsWith(name)) {
                return line.substring(name.length()).strip();
            }
        }
        throw new IOException(STATUS + " has no " + name + " line");
    }

    /** True for uid 0. */
    public boolean root() {
        return uid == ROOT;
    }

    /** True when the daemon may run the code as another user: it is root, or holds all three capabilities. */
    public boolean maySwitchUsers() {
        return root() || lacking().isEmpty();
    }

    /** The capabilities it lacks to run the code as another user, by name; empty when it has them all. */
    List<Capability> lacking() {
        return List.of(Capability.values()).stream().filter(c -> (capabilities >>> c.number & 1) == 0).toList();
    }
}
