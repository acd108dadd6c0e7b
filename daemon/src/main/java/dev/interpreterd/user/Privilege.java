package dev.interpreterd.user;

import dev.interpreterd.os.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the daemon may do about users, read once at start: its effective ids, and the capabilities
 * it holds ({@code CapEff} in {@code /proc/self/status}). Running the code as another user takes
 * root, or {@code CAP_SETUID} and {@code CAP_SETGID} to switch to it and {@code CAP_KILL} to signal
 * and kill what it runs (the shipped unit grants these three as ambient capabilities).
 *
 * @param uid effective user id
 * @param gid effective group id
 * @param capabilities the effective capability set, bit n for capability number n
 */
public record Privilege(int uid, int gid, long capabilities) {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final String EFFECTIVE = "CapEff:";
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
     * This process, as the kernel sees it now.
     *
     * @throws IOException when {@code /proc/self/status} cannot be read or has no {@code CapEff} line
     */
    public static Privilege ofThisProcess() throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith(EFFECTIVE)) {
                return new Privilege(Posix.effectiveUserId(), Posix.effectiveGroupId(),
                        Long.parseUnsignedLong(line.substring(EFFECTIVE.length()).strip(), 16));
            }
        }
        throw new IOException(STATUS + " has no " + EFFECTIVE + " line");
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
