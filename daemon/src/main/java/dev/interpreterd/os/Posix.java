package dev.interpreterd.os;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicReference;

/** Signals and process facts through libc, for what {@link ProcessHandle} cannot do. */
public final class Posix {

    private static final int ESRCH = 3;
    private static final int PR_GET_DUMPABLE = 3;
    private static final int PR_SET_DUMPABLE = 4;

    private Posix() {
    }

    /**
     * Sends a signal to every process in a process group.
     *
     * @return true if the group existed and the signal was delivered to at least one member
     */
    public static boolean killGroup(long processGroup, Signal signal) {
        return send(-Math.toIntExact(processGroup), signal);
    }

    /** Sends a signal to one process; returns false if it no longer exists. */
    public static boolean kill(long pid, Signal signal) {
        return send(Math.toIntExact(pid), signal);
    }

    /**
     * True if a process with this id exists, whoever owns it: {@code kill(pid, 0)} sees processes
     * that {@code /proc} hides from other users (hidepid, systemd's {@code ProtectProc=}).
     */
    public static boolean exists(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("not a process id: " + pid);
        }
        if (LibC.INSTANCE.kill(Math.toIntExact(pid), 0) == 0) {
            return true;
        }
        // EPERM: it exists, as another user's.
        return Native.getLastError() != ESRCH;
    }

    /**
     * Makes this process non-dumpable: its {@code /proc/<pid>} files (environ, memory, fds) become
     * root's, and processes of the same user, such as the code the daemon runs, can neither read
     * them nor attach a debugger. Children are unaffected, as exec resets the flag.
     */
    public static void forbidInspection() {
        if (LibC.INSTANCE.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
            throw new IllegalStateException("prctl(PR_SET_DUMPABLE) failed with errno " + Native.getLastError());
        }
    }

    /** The user id this process acts as; 0 is root. */
    public static int effectiveUserId() {
        return LibC.INSTANCE.geteuid();
    }

    /** The group id this process acts as. */
    public static int effectiveGroupId() {
        return LibC.INSTANCE.getegid();
    }

    /**
     * Creates the directory {@code dir}, mode 0700, as user {@code uid} and group {@code gid} would:
     * theirs from the start, and only where they may write. Needs {@code CAP_SETUID} and
     * {@code CAP_SETGID}. The file-system ids it borrows belong to one thread, so it runs on a thread
     * of its own, which ends with them.
     *
     * @throws IOException if the kernel refuses those ids, or the directory cannot be made as them
     */
    public static void createDirectoryAs(Path dir, int uid, int gid) throws IOException {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                createAsThisThread(dir, uid, gid);
            } catch (IOException | RuntimeException e) {
                failure.set(e);
            }
        }, "interpreterd-mkdir-as-" + uid);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making " + dir, e);
        }
        if (failure.get() instanceof IOException e) {
            throw e;
        }
        if (failure.get() instanceof RuntimeException e) {
            throw e;
        }
    }

    private static void createAsThisThread(Path dir, int uid, int gid) throws IOException {
        // -1 is no id: the call changes nothing and says what the thread has now.
        int ownUid = LibC.INSTANCE.setfsuid(-1);
        int ownGid = LibC.INSTANCE.setfsgid(-1);
        try {
            LibC.INSTANCE.setfsgid(gid);
            LibC.INSTANCE.setfsuid(uid);
            if (LibC.INSTANCE.setfsgid(-1) != gid || LibC.INSTANCE.setfsuid(-1) != uid) {
                throw new IOException("cannot make " + dir + " as uid " + uid + " and gid " + gid
                        + ": that takes CAP_SETUID and CAP_SETGID");
            }
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } finally {
            LibC.INSTANCE.setfsuid(ownUid);
            LibC.INSTANCE.setfsgid(ownGid);
        }
    }

    /** True if this process may be inspected by processes of its own user. */
    public static boolean isDumpable() {
        return LibC.INSTANCE.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1;
    }

    private static boolean send(int target, Signal signal) {
        if (target == 0 || target == -1 || target == 1) {
            // kill(0) and kill(-1) would hit the daemon itself or every process we may signal.
            throw new IllegalArgumentException("refusing to signal target " + target);
        }
        if (LibC.INSTANCE.kill(target, signal.number()) == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == ESRCH) {
            return false;
        }
        throw new IllegalStateException("kill(" + target + ", " + signal + ") failed with errno " + errno);
    }
}
