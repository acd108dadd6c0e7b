package dev.interpreterd.os;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the JDK lacks; bound once through JNA. */
interface LibC extends Library {

    /** The process's libc; JNA keeps errno per thread for {@code Native.getLastError()}. */
    LibC INSTANCE = Native.load("c", LibC.class);

    /** kill(2): a negative pid names a process group. */
    int kill(int pid, int signal);
}
