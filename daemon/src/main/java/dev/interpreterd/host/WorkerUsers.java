package dev.interpreterd.host;

import dev.interpreterd.config.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who the code runs as. A daemon that may be someone else (root, or a daemon holding
 * {@code CAP_SETUID}, {@code CAP_SETGID} and {@code CAP_KILL}, as the shipped unit runs it) runs
 * the code as {@code --user}, by default {@code interpreterd-code} (the installer's code user) when
 * it exists and else {@code nobody}; any other daemon runs it as itself, having no right to be
 * anyone else.
 */
public final class WorkerUsers {

    /** The user the installer creates for the code, and the default of a daemon that may switch users. */
    public static final String DEFAULT_USER = "interpreterd-code";
    /** The default when {@link #DEFAULT_USER} does not exist. */
    public static final String FALLBACK_USER = "nobody";
    private static final int ROOT = 0;
    private static final Logger log = LoggerFactory.getLogger(WorkerUsers.class);

    private WorkerUsers() {
    }

    /**
     * The worker user for a daemon with these ids and capabilities.
     *
     * @param requested the {@code --user} option, if set
     * @throws UsageException when the requested user does not exist, or is another user than the
     *                        daemon's own while the daemon may not switch users, or is root while
     *                        the daemon is not
     * @throws IOException when the accounts cannot be looked up
     */
    public static WorkerUser resolve(Optional<String> requested, Privilege daemon) throws IOException {
        if (!daemon.maySwitchUsers()) {
            return ownUser(requested, daemon);
        }
        Passwd.Entry entry = requested.isPresent() ? find(requested.get()) : defaultUser();
        if (entry.uid() == daemon.uid()) {
            log.warn("--user {}: the code runs as the daemon's own user{}", requested.orElse(entry.name()),
                    daemon.root() ? ", root, with every right of the daemon: it can signal and trace the daemon and"
                            + " read its token" : ": it can read the daemon's files and change what it runs");
            return new WorkerUser(entry.name(), entry.uid(), entry.gid(), entry.home(), false);
        }
        if (entry.uid() == ROOT) {
            throw new UsageException("--user " + requested.orElse(entry.name()) + " needs a daemon running as root;"
                    + " this one runs as uid " + daemon.uid() + ": name an unprivileged user");
        }
        return new WorkerUser(entry.name(), entry.uid(), entry.gid(), entry.home(), true);
    }

    private static Passwd.Entry defaultUser() throws IOException {
        Optional<Passwd.Entry> installed = Passwd.lookup(DEFAULT_USER);
        if (installed.isPresent()) {
            return installed.get();
        }
        return Passwd.lookup(FALLBACK_USER).orElseThrow(() -> new UsageException("the daemon may run the code as"
                + " another user, but neither user " + DEFAULT_USER + " nor " + FALLBACK_USER + " exists to run it as;"
                + " create one (systemd/install.sh creates " + DEFAULT_USER + ") or name one with --user"));
    }

    private static WorkerUser ownUser(Optional<String> requested, Privilege daemon) throws IOException {
        int uid = daemon.uid();
        Optional<Passwd.Entry> own = Passwd.lookup(String.valueOf(uid));
        String ownName = own.map(Passwd.Entry::name).orElse(String.valueOf(uid));
        if (requested.isPresent()) {
            Passwd.Entry entry = find(requested.get());
            if (entry.uid() == ROOT) {
                throw new UsageException("--user " + requested.get() + " needs a daemon running as root; this one runs"
                        + " as " + ownName + " (uid " + uid + ") and runs the code as itself: leave --user unset");
            }
            if (entry.uid() != uid) {
                throw new UsageException("--user " + requested.get() + " needs a daemon running as root or holding"
                        + " CAP_SETUID, CAP_SETGID and CAP_KILL (AmbientCapabilities= of a systemd unit); this one runs"
                        + " as " + ownName + " (uid " + uid + ") without " + daemon.lacking().stream()
                        .map(Enum::name).collect(Collectors.joining(", "))
                        + " and runs the code as itself: leave --user unset, or grant it those capabilities");
            }
        }
        Path home = own.map(Passwd.Entry::home).orElse(Path.of(System.getProperty("user.home")));
        return new WorkerUser(ownName, uid, daemon.gid(), home, false);
    }

    private static Passwd.Entry find(String name) throws IOException {
        if (name.isBlank()) {
            throw new UsageException("--user must name a user");
        }
        return Passwd.lookup(name).orElseThrow(() -> new UsageException("--user " + name + " names no user on this machine"));
    }
}
