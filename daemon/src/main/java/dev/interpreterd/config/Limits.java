package dev.interpreterd.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Resource limits of one execution. The runner applies them with setrlimit in the process that runs
 * the code before the code starts, so the code can lower but never raise them (no core dumps,
 * always); where the execution has a cgroup, memory and processes also bound all its processes
 * together ({@code memory.max} or {@code memory.limit_in_bytes}, {@code pids.max}).
 *
 * @param memoryBytes address space of each process (RLIMIT_AS; past it allocations fail with
 *                    MemoryError), and memory of the whole execution in its cgroup
 * @param processes processes and threads of the user (RLIMIT_NPROC; root is exempt), and of the whole
 *                  execution in its cgroup
 * @param fileSizeBytes largest file the code may write (RLIMIT_FSIZE)
 * @param openFiles open file descriptors (RLIMIT_NOFILE)
 */
public record Limits(long memoryBytes, long processes, long fileSizeBytes, long openFiles) {

    /** Rejects limits that are not positive. */
    public Limits {
        if (memoryBytes <= 0 || processes <= 0 || fileSizeBytes <= 0 || openFiles <= 0) {
            throw new IllegalArgumentException("limits must be positive: memory " + memoryBytes + ", processes "
                    + processes + ", file size " + fileSizeBytes + ", open files " + openFiles);
        }
    }

    /** The names the runner reads. */
    public Map<String, Long> forRunner() {
        return Map.of("memory", memoryBytes, "processes", processes, "fileSize", fileSizeBytes, "openFiles", openFiles);
    }

    /** The names the runner reads, with the CPU time limit that follows from the timeout. */
    public Map<String, Long> forRunner(long cpuSeconds) {
        Map<String, Long> limits = new HashMap<>(forRunner());
        limits.put("cpuSeconds", cpuSeconds);
        return limits;
    }
}
