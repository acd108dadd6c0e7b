package dev.interpreterd.exec.cgroup;

import dev.interpreterd.config.Limits;
import dev.interpreterd.units.Deadline;
import dev.interpreterd.os.Posix;
import dev.interpreterd.os.Signal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroups of one execution, one per hierarchy: the code's process joins them before the code
 * starts; when the execution ends everything still in them is killed and they are removed.
 * Moving a process into a cgroup costs milliseconds (the kernel waits for an RCU grace period), so
 * a worker joins its cgroup as it starts, ahead of need; the job's limits are written when it comes.
 */
public final class ExecutionCgroup implements AutoCloseable {

    /** How long an emptied cgroup that the kernel still calls busy is tried again. */
    private static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(1);
    private static final long REMOVE_RETRY_MILLIS = 5;
    private static final Logger log = LoggerFactory.getLogger(ExecutionCgroup.class);
    /** How long killed processes may take to leave their cgroup. */
    private static final Duration EMPTY_TIMEOUT = Duration.ofSeconds(2);
    /** Rounds of SIGKILL where neither cgroup.kill nor a freezer is there to stop new forks. */
    private static final int SIGNAL_ROUNDS = 100;

    /** No cgroups. */
    public static final ExecutionCgroup NONE = new ExecutionCgroup(List.of(), false, false);

    /** The execution's directory in one hierarchy, and the limits that hierarchy enforces. */
    record Dir(Path path, boolean memory, boolean pids) {
    }

    private final List<Dir> limited;
    private final List<Path> dirs;
    private final boolean kill;
    private final boolean freezer;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param dirs the execution's directory in each hierarchy
     * @param kill whether one of them has {@code cgroup.kill}
     * @param freezer whether one of them is in the v1 freezer hierarchy
     */
    ExecutionCgroup(List<Dir> dirs, boolean kill, boolean freezer) {
        this.limited = List.copyOf(dirs);
        this.dirs = dirs.stream().map(Dir::path).toList();
        this.kill = kill;
        this.freezer = freezer;
    }

    /** The {@code cgroup.procs} files the code's process is written into. */
    public List<String> procsFiles() {
        return dirs.stream().map(d -> d.resolve("cgroup.procs").toString()).toList();
    }

    /** Sets the job's memory and process limits, counted over all the execution's processes. */
    public void limit(Limits limits) throws IOException {
        for (Dir dir : limited) {
            if (dir.memory()) {
                limitMemory(dir.path(), limits.memoryBytes());
            }
            if (dir.pids()) {
                Files.writeString(dir.path().resolve("pids.max"), Long.toString(limits.processes()));
            }
        }
    }

    private static void limitMemory(Path dir, long bytes) throws IOException {
        String value = Long.toString(bytes);
        if (Files.exists(dir.resolve("memory.max"))) {
            Files.writeString(dir.resolve("memory.max"), value);
            if (Files.exists(dir.resolve("memory.swap.max"))) {
                Files.writeString(dir.resolve("memory.swap.max"), "0");
            }
        } else {
            Files.writeString(dir.resolve("memory.limit_in_bytes"), value);
            if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes"))) {
                Files.writeString(dir.resolve("memory.memsw.limit_in_bytes"), value);
            }
        }
    }

    /** Kills whatever of the execution is still running, and removes the cgroups; once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            killAndRemove(dirs, kill, freezer);
        }
    }

    /** Kills every process in the cgroups, waits until they are gone and removes the directories. */
    static void killAndRemove(List<Path> dirs, boolean kill, boolean freezer) {
        if (dirs.isEmpty()) {
            return;
        }
        if (!members(dirs).isEmpty()) {
            if (kill) {
                killAtOnce(dirs);
            } else if (freezer) {
                freezeAndKill(dirs);
            } else {
                killRepeatedly(dirs);
            }
            if (!awaitEmpty(dirs)) {
                log.warn("processes of {} still alive {} s after SIGKILL: {}", dirs.get(0).getFileName(),
                        EMPTY_TIMEOUT.toSeconds(), members(dirs));
            }
        }
        for (Path dir : dirs) {
            remove(dir);
        }
    }

    /**
     * Removes an emptied cgroup. A process that has left {@code cgroup.procs} but is not reaped yet
     * still keeps the cgroup busy for a moment, so a refusal is tried again for up to {@link #REMOVE_TIMEOUT}.
     */
    private static void remove(Path dir) {
        Deadline deadline = Deadline.after(REMOVE_TIMEOUT);
        while (true) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (deadline.passed()) {
                    log.warn("could not remove cgroup {}: {}", dir, e.toString());
                    return;
                }
            }
            try {
                Thread.sleep(REMOVE_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("could not remove cgroup {}: interrupted while it was busy", dir);
                return;
            }
        }
    }

    /** cgroup v2: the kernel kills the whole tree, forks in progress included. */
    private static void killAtOnce(List<Path> dirs) {
        for (Path dir : dirs) {
            Path file = dir.resolve("cgroup.kill");
            if (Files.exists(file)) {
                try {
                    Files.writeString(file, "1");
                    return;
                } catch (IOException e) {
                    log.warn("cgroup.kill of {} failed: {}", dir, e.toString());
                }
            }
        }
        killRepeatedly(dirs);
    }

    /** cgroup v1: freeze, so that nothing forks while the members are killed, then thaw to let them die. */
    private static void freezeAndKill(List<Path> dirs) {
        Path state = dirs.stream().map(d -> d.resolve("freezer.state")).filter(Files::exists).findFirst().orElse(null);
        if (state == null) {
            killRepeatedly(dirs);
            return;
        }
        try {
            Files.writeString(state, "FROZEN");
            Deadline deadline = Deadline.after(EMPTY_TIMEOUT);
            while (!Files.readString(state, StandardCharsets.US_ASCII).trim().equals("FROZEN") && !deadline.passed()) {
                Thread.sleep(1);
            }
            members(dirs).forEach(pid -> Posix.kill(pid, Signal.SIGKILL));
        } catch (IOException e) {
            log.warn("freezing {} failed: {}", state.getParent(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.writeString(state, "THAWED");
            } catch (IOException e) {
                log.warn("thawing {} failed: {}", state.getParent(), e.toString());
            }
        }
        killRepeatedly(dirs);
    }

    /** SIGKILL to every member, again until none is left; a fork storm is bounded by pids.max. */
    private static void killRepeatedly(List<Path> dirs) {
        for (int round = 0; round < SIGNAL_ROUNDS; round++) {
            Set<Long> members = members(dirs);
            if (members.isEmpty()) {
                return;
            }
            members.forEach(pid -> Posix.kill(pid, Signal.SIGKILL));
        }
    }

    private static boolean awaitEmpty(List<Path> dirs) {
        Deadline deadline = Deadline.after(EMPTY_TIMEOUT);
        while (!members(dirs).isEmpty()) {
            if (deadline.passed()) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** The processes in any of the cgroups. */
    static Set<Long> members(List<Path> dirs) {
        Set<Long> pids = new LinkedHashSet<>();
        for (Path dir : dirs) {
            try {
                for (String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                    if (!line.isBlank()) {
                        pids.add(Long.parseLong(line.trim()));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // removed already, or not a cgroup
            }
        }
        return pids;
    }
}
