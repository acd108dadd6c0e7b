package dev.interpreterd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The boxes of a daemon running in this JVM, as seen from outside them: its zygote is a child of this
 * JVM with the daemon's runner directory and {@code --zygote} on its command line, and each box's init
 * is a child of the zygote.
 */
public final class BoxProcesses {

    private BoxProcesses() {
    }

    /** The zygote of the daemon whose runner directory is {@code runnerDirectory}. */
    public static ProcessHandle zygote(String runnerDirectory) {
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine()
                        .map(c -> c.contains(runnerDirectory) && c.contains("--zygote")).orElse(false))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no zygote of " + runnerDirectory + " among this JVM's children"));
    }

    /**
     * The pids of the live box inits: the zygote's children that are pid 1 of a namespace of their own.
     * A box's maker, a child of the zygote for the moment it takes to fork the init, is not one.
     */
    public static Set<Long> inits(String runnerDirectory) {
        return zygote(runnerDirectory).children().filter(BoxProcesses::isNamespaceInit).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    /**
     * The pids of the box inits ready for a job: each has joined its cgroup and forked the child that
     * waits for the job. An init killed before that leaves the daemon waiting for it to say hello.
     */
    public static Set<Long> readyInits(String runnerDirectory) {
        return zygote(runnerDirectory).children().filter(BoxProcesses::isNamespaceInit)
                .filter(init -> init.children().findAny().isPresent()).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    /** The init of the box that {@code process} runs in: its first ancestor that is pid 1 of its namespace. */
    public static Optional<ProcessHandle> initOf(ProcessHandle process) {
        for (Optional<ProcessHandle> p = Optional.of(process); p.isPresent(); p = p.get().parent()) {
            if (isNamespaceInit(p.get())) {
                return p;
            }
        }
        return Optional.empty();
    }

    /** True for a live process whose pid in its own, innermost PID namespace is 1 (the last of its NSpid). */
    private static boolean isNamespaceInit(ProcessHandle process) {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
                    .filter(line -> line.startsWith("NSpid:"))
                    .anyMatch(line -> line.matches("NSpid:.*\\s\\d+\\s+1"));
        } catch (IOException e) {
            return false; // gone
        }
    }

    /**
     * The process below this JVM whose working directory is {@code dir}, pid as this JVM sees it: how a
     * test finds the code's process, whose own pid is that of its box when it runs in one.
     */
    public static Optional<ProcessHandle> inDirectory(Path dir) throws IOException {
        Path real = dir.toRealPath();
        return ProcessHandle.current().descendants()
                .filter(p -> workingDirectory(p).map(real::equals).orElse(false))
                .findFirst();
    }

    private static Optional<Path> workingDirectory(ProcessHandle process) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", String.valueOf(process.pid()), "cwd")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty(); // gone, or not ours to look into
        }
    }

    /** The start time of a process in clock ticks after boot, field 22 of /proc/PID/stat. */
    public static long startTime(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[22 - 3]);
    }
}
