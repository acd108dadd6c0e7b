package dev.interpreterd.host;

import dev.interpreterd.os.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which daemon made a cgroup or a runner directory, written into their names as
 * {@code interpreterd-<key>-<pid>-<start>-…}, so that a daemon sweeps only what it can prove is its
 * own. The key stands for one deployment restarted: the same user, the same work directory and the
 * same PID namespace. Another daemon on the machine has another key and never touches these
 * entries; a daemon of the same deployment removes them once it has made sure that the process which
 * made them is gone, its pid free or taken by a process that started at another time. Runner
 * directories of earlier versions, {@code interpreterd-<pid>-<digits>}, carry neither key nor start:
 * see {@link #leftBehindByEarlierVersion}.
 *
 * @param key twelve hex digits of a hash of the user, the work directory and the PID namespace
 * @param pid the daemon's process id
 * @param startTicks when that process started, in clock ticks after boot, as {@code /proc/<pid>/stat} says
 */
public record DaemonInstance(String key, long pid, long startTicks) {

    /** How every name of a daemon's entries begins. */
    public static final String PREFIX = "interpreterd-";
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{12}");
    /**
     * How earlier versions named their runner directories: the daemon's pid and the digits that
     * {@code Files.createTempDirectory} adds. A name of this form never has the key's four parts.
     */
    private static final Pattern EARLIER_RUNNER_DIRECTORY =
            Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,10})-\\d{1,20}");
    /** Field 22 of {@code /proc/<pid>/stat}, counted from the state, the first field after the command. */
    private static final int START_TIME_AFTER_COMMAND = 19;

    /** Checks the key's form, so that names stay within what {@link #leftBehind} parses. */
    public DaemonInstance {
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("key must be 12 hex digits: " + key);
        }
        if (pid <= 0 || startTicks < 0) {
            throw new IllegalArgumentException("pid must be positive and start not negative: " + pid + ", " + startTicks);
        }
    }

    /**
     * This process as the daemon of its user in {@code workDir}, which must exist.
     *
     * @throws IOException if the work directory or this process's start time cannot be read
     */
    public static DaemonInstance current(Path workDir) throws IOException {
        long pid = ProcessHandle.current().pid();
        long start = startTicks(pid).orElseThrow(() -> new IOException("cannot read the start time of process "
                + pid + " from /proc/" + pid + "/stat"));
        return new DaemonInstance(key(Posix.effectiveUserId(), workDir.toRealPath(), pidNamespace()), pid, start);
    }

    /** The key of a deployment: the first 12 hex digits of a SHA-256 of its user, work dir and PID namespace. */
    static String key(int uid, Path realWorkDir, String pidNamespace) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(
                    (uid + "\0" + realWorkDir + "\0" + pidNamespace).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The PID namespace, as {@code pid:[inode]}: a pid says whether a daemon runs only in the
     * namespace it was taken in, so entries made in another one are never judged.
     */
    private static String pidNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    /** How this daemon's names begin: {@code interpreterd-<key>-<pid>-<start>}; each adds {@code -<suffix>}. */
    public String name() {
        return PREFIX + key + "-" + pid + "-" + startTicks;
    }

    /**
     * True when {@code name} was given by a daemon with this key that no longer runs: the only
     * entries a sweep may remove. Names of other deployments, and anything else, are false.
     */
    public boolean leftBehind(String name) {
        Matcher m = Pattern.compile(Pattern.quote(PREFIX + key + "-") + "(\\d{1,10})-(\\d{1,18})-.+").matcher(name);
        if (!m.matches()) {
            return false;
        }
        long owner = Long.parseLong(m.group(1));
        return owner > 0 && owner <= Integer.MAX_VALUE && !running(owner, Long.parseLong(m.group(2)));
    }

    /**
     * True when {@code name} is a runner directory's name of an earlier version,
     * {@code interpreterd-<pid>-<digits>}, and no process has that pid. Such a name holds no start
     * time, so a pid that is taken keeps the entry, whoever took it; nor does it hold a user: the
     * caller checks that the entry is its own user's.
     */
    public static boolean leftBehindByEarlierVersion(String name) {
        Matcher m = EARLIER_RUNNER_DIRECTORY.matcher(name);
        if (!m.matches()) {
            return false;
        }
        long owner = Long.parseLong(m.group(1));
        return owner > 0 && owner <= Integer.MAX_VALUE && !Posix.exists(owner);
    }

    /** Whether the process {@code pid} that started at {@code start} may still run; true when it cannot be told. */
    private static boolean running(long pid, long start) {
        if (!Posix.exists(pid)) {
            return false;
        }
        // The pid is taken: by the same daemon, or by a later process if the daemon's start differs.
        return startTicks(pid).map(ticks -> ticks == start).orElse(true);
    }

    /** When a process started, in clock ticks after boot; empty when it is gone or hidden. */
    static Optional<Long> startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            // The command, in parentheses, may itself hold spaces and parentheses: count from its end.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Long.parseLong(fields[START_TIME_AFTER_COMMAND]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
