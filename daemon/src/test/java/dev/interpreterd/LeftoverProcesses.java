package dev.interpreterd;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/** Finds processes by a unique marker in their command line, to prove nothing was left running. */
public final class LeftoverProcesses {

    private LeftoverProcesses() {
    }

    /** A fresh marker usable as a sleep duration: {@code sleep 1000.<digits>} is a valid GNU sleep. */
    public static String sleepMarker() {
        return "1000." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);
    }

    /** Live processes whose command line contains the marker. */
    public static List<ProcessHandle> withMarker(String marker) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .collect(Collectors.toList());
    }

    /** Describes the processes for an assertion message. */
    public static String describe(List<ProcessHandle> processes) {
        return processes.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .collect(Collectors.joining("; "));
    }

    /** Fails, naming them, if any process with the marker is still alive. */
    public static void assertNoneLeft(String marker) {
        List<ProcessHandle> left = withMarker(marker);
        if (!left.isEmpty()) {
            throw new AssertionError("left running: " + describe(left));
        }
    }

    /** The code's process dies through its parent-death signal, which the kernel delivers on its own time. */
    public static void assertDiesSoon(long pid) {
        var code = ProcessHandle.of(pid);
        Eventually.eventually("the code, pid " + pid + ", has not outlived its supervisor", Duration.ofSeconds(2),
                () -> code.map(p -> !p.isAlive()).orElse(true));
    }
}
