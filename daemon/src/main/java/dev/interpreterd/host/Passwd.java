package dev.interpreterd.host;

import dev.interpreterd.host.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Looks up accounts as the C library does, through {@code getent passwd} (so LDAP and other
 * name services count), or in {@code /etc/passwd} where getent is missing.
 */
final class Passwd {

    private static final Path PASSWD_FILE = Path.of("/etc/passwd");
    private static final int GETENT_NOT_FOUND = 2;

    private Passwd() {
    }

    /**
     * One account.
     *
     * @param name login name
     * @param uid user id
     * @param gid primary group id
     * @param home home directory
     */
    record Entry(String name, int uid, int gid, Path home) {

        /** Parses a line in passwd format: {@code name:x:uid:gid:gecos:home:shell}. */
        static Optional<Entry> parse(String line) {
            String[] fields = line.strip().split(":", -1);
            if (fields.length < 7) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Entry(fields[0], Integer.parseInt(fields[2]), Integer.parseInt(fields[3]),
                        Path.of(fields[5].isEmpty() ? "/" : fields[5])));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /** The account with this name, or with this uid when the key is a number. */
    static Optional<Entry> lookup(String key) throws IOException {
        Optional<Path> getent = Probe.onPath("getent");
        if (getent.isEmpty()) {
            return lookupInFile(key);
        }
        Probe probe = Probe.run("looking up user " + key, Duration.ofSeconds(10), null,
                List.of(getent.get().toString(), "passwd", key));
        if (probe.exitValue() == GETENT_NOT_FOUND) {
            return Optional.empty();
        }
        if (!probe.succeeded()) {
            throw new IOException("getent passwd " + key + " failed with exit code " + probe.exitValue());
        }
        return probe.lines().stream().findFirst().flatMap(Entry::parse);
    }

    private static Optional<Entry> lookupInFile(String key) throws IOException {
        List<String> lines = Files.readAllLines(PASSWD_FILE);
        return lines.stream().map(Entry::parse).flatMap(Optional::stream)
                .filter(e -> e.name().equals(key) || String.valueOf(e.uid()).equals(key))
                .findFirst();
    }
}
