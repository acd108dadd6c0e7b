package dev.interpreterd.user;

import dev.interpreterd.config.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who the code runs as. A daemon running as root runs it as {@code --user}, by default
 * {@code interpreterd} (the installer's user) when it exists and else {@code nobody}; any other
 * daemon runs it as itself, since it has no right to be anyone else.
 */
public final class WorkerUsers {

    /** The user the installer creates, and the default when the daemon runs as root. */
    public static final String DEFAULT_USER = "interpreterd";
    /** The default when {@link #DEFAULT_USER} does not exist. */
    public static final String FALLBACK_USER = "nobody";
    private static final int ROOT = 0;
    private static final Logger log = LoggerFactory.getLogger(WorkerUsers.class);

    private WorkerUsers() {
    }

    /**
     * The worker user for a daemon whose effective ids are {@code daemonUid} and {@code daemonGid}.
     *
     * @param requested the {@code --user} option, if set
     * @throws UsageException when the requested user does not exist, or is another user than the
     *                        daemon's own while the daemon is not root
     * @throws IOException when the accounts cannot be looked up
     */
    public static WorkerUser resolve(Optional<String> requested, int daemonUid, int daemonGid) throws IOException {
        if (daemonUid != ROOT) {
            return ownUser(requested, daemonUid, daemonGid);
        }
        Passwd.Entry entry = requested.isPresent() ? find(requested.get()) : defaultUser();
        if (entry.uid() == ROOT) {
            log.warn("--user {}: the code runs as root, with every right of the daemon: it can signal and trace"
                    + " the daemon and read its token", requested.orElse(entry.name()));
        }
        return new WorkerUser(entry.name(), entry.uid(), entry.gid(), entry.home(), entry.uid() != ROOT);
    }

    private static Passwd.Entry defaultUser() throws IOException {
        Optional<Passwd.Entry> installed = Passwd.lookup(DEFAULT_USER);
        if (installed.isPresent()) {
            return installed.get();
        }
        return Passwd.lookup(FALLBACK_USER).orElseThrow(() -> new UsageException("the daemon runs as root and"
                + " neither user " + DEFAULT_USER + " nor " + FALLBACK_USER + " exists to run the code as;"
                + " create one (systemd/install.sh creates " + DEFAULT_USER + ") or name one with --user"));
    }

    private static WorkerUser ownUser(Optional<String> requested, int uid, int gid) throws IOException {
        Optional<Passwd.Entry> own = Passwd.lookup(String.valueOf(uid));
        String ownName = own.map(Passwd.Entry::name).orElse(String.valueOf(uid));
        if (requested.isPresent() && find(requested.get()).uid() != uid) {
            throw new UsageException("--user " + requested.get() + " needs a daemon running as root; this one runs as "
                    + ownName + " (uid " + uid + ") and runs the code as itself: leave --user unset");
        }
        Path home = own.map(Passwd.Entry::home).orElse(Path.of(System.getProperty("user.home")));
        return new WorkerUser(ownName, uid, gid, home, false);
    }

    private static Passwd.Entry find(String name) throws IOException {
        if (name.isBlank()) {
            throw new UsageException("--user must name a user");
        }
        return Passwd.lookup(name).orElseThrow(() -> new UsageException("--user " + name + " names no user on this machine"));
    }
}
