package dev.interpreterd.host;

import dev.interpreterd.os.Posix;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Chooses the code's home and the work directory of executions that name no cwd. The code needs a
 * home it may write (matplotlib, pip and many others keep their configuration and caches there) and,
 * when it runs as another user than the daemon, a work directory it may enter and write: that
 * user's home if it owns it, else a private directory under the temp dir made for it.
 */
public final class WorkDirectories {

    private static final String PREFIX = "interpreterd-work-";
    private static final int ROOT = 0;

    private WorkDirectories() {
    }

    /**
     * The code's {@code HOME}: {@code home} (the worker user's passwd home, or the daemon's own
     * {@code HOME} when it runs the code as itself) if it is a directory that user owns; else
     * {@code <tmpDir>/interpreterd-work-<user>}, created 0700 for the user or reused if it is theirs.
     * A daemon that is not root makes it as that user, who must then be able to write {@code tmpDir}.
     *
     * @throws IOException if the private directory exists but is not the user's, or cannot be made
     */
    public static Path home(Optional<Path> home, WorkerUser user, Path tmpDir) throws IOException {
        if (home.isPresent() && Files.isDirectory(home.get()) && owner(home.get()) == user.uid()) {
            return home.get();
        }
        return privateDirectory(tmpDir.resolve(PREFIX + user.name()), user);
    }

    /**
     * The configured directory as is; else, for a daemon that runs the code as itself, its current
     * directory; else the code's {@code home}.
     */
    public static Path choose(Optional<Path> configured, WorkerUser user, Path home) {
        if (configured.isPresent()) {
            return configured.get();
        }
        return user.switched() ? home : Path.of("").toAbsolutePath();
    }

    private static Path privateDirectory(Path dir, WorkerUser user) throws IOException {
        try {
            if (Posix.effectiveUserId() != ROOT) {
                // No CAP_CHOWN to hand it over: the user's own from the start, made with its file-system ids.
                Posix.createDirectoryAs(dir, user.uid(), user.gid());
                return dir;
            }
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // Made by root and closed to everyone until it is handed over, so nobody can slip in between.
            Files.setAttribute(dir, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
            return dir;
        } catch (FileAlreadyExistsException e) {
            // Left by an earlier start; never follow a link there, which the code itself could have planted.
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && owner(dir) == user.uid()) {
                return dir;
            }
            throw new IOException(dir + " exists but is not a directory of user " + user
                    + "; remove it, or pass --work-dir");
        }
    }

    private static int owner(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
