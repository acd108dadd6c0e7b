package dev.interpreterd.os;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the JDK lacks; bound once through JNA. */
interface LibC extends Library {

    /** The process's libc; JNA keeps errno per thread for {@code Native.getLastError()}. */
    LibC INSTANCE = Native.load("c", LibC.class);

    /** geteuid(2): never fails. */
    int geteuid();

    /** getegid(2): never fails. */
    int getegid();

    /** setfsuid(2): of the calling thread alone; returns the previous fsuid, and with -1 changes nothing. */
    int setfsuid(int uid);

    /** setfsgid(2): of the calling thread alone; returns the previous fsgid, and with -1 changes nothing. */
    int setfsgid(int gid);

    /** kill(2): a negative pid names a process group. */
    int kill(int pid, int signal);

    /** prctl(2). */
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** socket(2). */
    int socket(int domain, int type, int protocol);

    /** sendto(2) with the address as raw {@code sockaddr} bytes. */
    long sendto(int fd, byte[] buffer, long length, int flags, byte[] address, int addressLength);

    /** close(2). */
    int close(int fd);

    /** mkfifo(3). */
    int mkfifo(String path, int mode);

    /** open(2) without a mode, for existing files. */
    int open(String path, int flags);

    /** fcntl(2) with an integer argument. */
    int fcntl(int fd, int command, int argument);

    /** read(2). */
    long read(int fd, byte[] buffer, long count);
}
