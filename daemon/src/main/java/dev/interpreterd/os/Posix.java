package dev.interpreterd.os;

import com.sun.jna.Native;

/** Signals and process facts through libc, for what {@link ProcessHandle} cannot do. */
public final class Posix {

    private static final int ESRCH = 3;

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
