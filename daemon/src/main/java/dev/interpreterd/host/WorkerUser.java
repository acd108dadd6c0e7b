package dev.interpreterd.host;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The user the code runs as, resolved once at start.
 *
 * @param name login name, or the uid as text when the user has no passwd entry
 * @param uid user id
 * @param gid primary group id
 * @param home home directory, from the passwd entry
 * @param switched true when this is not the daemon's own user: the daemon runs as root or holds the
 *                 capabilities to switch users (see {@link Privilege}), and the runner switches the
 *                 code's process to this user before the code starts
 */
public record WorkerUser(String name, int uid, int gid, Path home, boolean switched) {

    /** Rejects missing values. */
    public WorkerUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(home, "home");
    }

    /** The names the runner reads; it switches only when its own uid differs. */
    public Map<String, Object> forRunner() {
        return Map.of("name", name, "uid", uid, "gid", gid);
    }

    /** For the start log: {@code nobody (uid 65534)}. */
    @Override
    public String toString() {
        return name + " (uid " + uid + ")";
    }
}
