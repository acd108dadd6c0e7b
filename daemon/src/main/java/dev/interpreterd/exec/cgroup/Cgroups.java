package dev.interpreterd.exec.cgroup;

import dev.interpreterd.host.Cleanup;
import dev.interpreterd.host.DaemonInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cgroup per execution, where the daemon can make them. The code's process joins it before the
 * code starts, so everything the code starts is in it, whatever it does with sessions, process
 * groups or its parent. When the execution ends the whole cgroup is killed, and the memory and
 * pids limits count every process of the execution together.
 *
 * <p>The cgroup v2 hierarchy is used where the daemon can write its own part of it (a root daemon,
 * or a service with {@code Delegate=yes}): {@code cgroup.kill} ends the whole tree at once, and
 * {@code memory.max} and {@code pids.max} apply where those controllers can be enabled. cgroup v1
 * {@code memory}, {@code pids} and {@code freezer} hierarchies add what v2 lacks on a hybrid
 * machine; without {@code cgroup.kill}, the freezer stops the tree before it is killed. Where no
 * hierarchy is writable the runner's subreaper alone cleans up.
 *
 * <p>Each daemon works under directories named {@code interpreterd-<key>-<pid>-<start>-<random>}
 * beside itself in each hierarchy (see {@link DaemonInstance}). At start a daemon kills and removes
 * those that its own deployment left, once their daemon is gone; other daemons' it leaves alone.
 */
public final class Cgroups implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Cgroups.class);
    private static final List<String> V1_CONTROLLERS = List.of("memory", "pids", "freezer");
    /**
     * The leaf a v2 daemon moves itself into when its cgroup must hold no processes for the memory
     * and pids controllers to be enabled below it; a daemon found in it works beside it.
     */
    private static final String DAEMON_LEAF = DaemonInstance.PREFIX + "daemon";

    /** No cgroups: the subreaper alone. */
    public static final Cgroups NONE = new Cgroups(List.of());

    /** One hierarchy's directory for this daemon, and what it offers there. */
    private record Hierarchy(String name, Path parent, boolean kill, boolean freezer, boolean memory, boolean pids) {
    }

    private final List<Hierarchy> hierarchies;
    private final AtomicLong counter = new AtomicLong();

    private Cgroups(List<Hierarchy> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    /**
     * Finds the hierarchies this process may create cgroups in, sweeps what earlier daemons of the
     * same deployment left there, and makes this daemon's directory in each, named for
     * {@code instance}; {@link #NONE} when there are none.
     */
    public static Cgroups detect(DaemonInstance instance) {
        List<Hierarchy> found = new ArrayList<>();
        Map<String, Path> own;
        Map<String, Mount> mounts;
        try {
            own = ownCgroups(Files.readAllLines(Path.of("/proc/self/cgroup")));
            mounts = mountPoints(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return NONE;
        }
        // Daemons in one JVM (as in tests) share the pid and its start time: the random part tells them apart.
        String name = instance.name() + "-" + Long.toUnsignedString(UUID.randomUUID().getLeastSignificantBits());
        for (String hierarchy : hierarchyNames(own, mounts)) {
            Path ownPath = own.get(hierarchy);
            if (ownPath.getFileName() != null && ownPath.getFileName().toString().equals(DAEMON_LEAF)) {
                ownPath = ownPath.getParent();
            }
            Optional<Path> base = resolve(mounts.get(hierarchy), ownPath);
            if (base.isEmpty() || !Files.isDirectory(base.get())) {
                continue;
            }
            sweep(base.get(), instance);
            make(hierarchy, base.get(), name).ifPresent(found::add);
        }
        return new Cgroups(found);
    }

    /** The v2 hierarchy first, then the v1 controllers this daemon uses, as far as both are known. */
    private static List<String> hierarchyNames(Map<String, Path> own, Map<String, Mount> mounts) {
        List<String> names = new ArrayList<>();
        if (own.containsKey("") && mounts.containsKey("")) {
            names.add("");
        }
        for (String controller : V1_CONTROLLERS) {
            if (own.containsKey(controller) && mounts.containsKey(controller)) {
                names.add(controller);
            }
        }
        return names;
    }

    private static Optional<Hierarchy> make(String hierarchy, Path base, String name) {
        Path parent = base.resolve(name);
        try {
            Files.createDirectory(parent);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!Files.isWritable(parent.resolve("cgroup.procs"))) {
            removeQuietly(parent);
            return Optional.empty();
        }
        if (hierarchy.isEmpty()) {
            boolean memory = enableV2(base, parent, "memory");
            boolean pids = enableV2(base, parent, "pids");
            return Optional.of(new Hierarchy("v2", parent, Files.exists(parent.resolve("cgroup.kill")), false,
                    memory, pids));
        }
        return Optional.of(new Hierarchy(hierarchy, parent, false, hierarchy.equals("freezer"),
                hierarchy.equals("memory"), hierarchy.equals("pids")));
    }

    /**
     * Enables a v2 controller for this daemon's cgroups, in {@code base} and in the directory below
     * it. A cgroup with processes cannot pass controllers down, so a daemon alone in its cgroup (a
     * service with {@code Delegate=yes}) first moves itself into a leaf beside its executions.
     */
    private static boolean enableV2(Path base, Path parent, String controller) {
        try {
            if (!readWords(base.resolve("cgroup.controllers")).contains(controller)) {
                return false;
            }
            Path subtree = base.resolve("cgroup.subtree_control");
            if (!readWords(subtree).contains(controller)) {
                try {
                    Files.writeString(subtree, "+" + controller);
                } catch (IOException busy) {
                    if (!moveIntoLeaf(base)) {
                        return false;
                    }
                    Files.writeString(subtree, "+" + controller);
                }
            }
            Files.writeString(parent.resolve("cgroup.subtree_control"), "+" + controller);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Moves this process into {@code base/interpreterd-daemon} if it is alone in {@code base}. */
    private static boolean moveIntoLeaf(Path base) throws IOException {
        String self = Long.toString(ProcessHandle.current().pid());
        List<String> members = Files.readAllLines(base.resolve("cgroup.procs")).stream()
                .filter(l -> !l.isBlank()).toList();
        if (!members.equals(List.of(self))) {
            return false;
        }
        Path leaf = base.resolve(DAEMON_LEAF);
        Files.createDirectories(leaf);
        Files.writeString(leaf.resolve("cgroup.procs"), self);
        log.info("moved the daemon into {} so that its executions may have memory and pids limits", leaf);
        return true;
    }

    /** True when executions get cgroups. */
    public boolean available() {
        return !hierarchies.isEmpty();
    }

    /** How the daemon finds what an execution leaves behind. */
    public Cleanup mechanism() {
        return available() ? Cleanup.CGROUP : Cleanup.SUBREAPER;
    }

    /** What each hierarchy gives, for the start log, e.g. {@code v2(kill) memory(limit) pids(limit)}. */
    public String describe() {
        if (hierarchies.isEmpty()) {
            return "none";
        }
        StringJoiner line = new StringJoiner(",");
        for (Hierarchy h : hierarchies) {
            List<String> gives = new ArrayList<>();
            if (h.kill()) {
                gives.add("kill");
            }
            if (h.freezer()) {
                gives.add("freeze");
            }
            if (h.memory()) {
                gives.add("memory");
            }
            if (h.pids()) {
                gives.add("pids");
            }
            line.add(h.name() + "[" + String.join("+", gives) + "]");
        }
        return line.toString();
    }

    /**
     * Makes the cgroups of one execution; its limits are set once the job is known.
     *
     * @throws IOException when one cannot be made; the execution then runs with the subreaper only
     */
    public ExecutionCgroup create() throws IOException {
        if (!available()) {
            return ExecutionCgroup.NONE;
        }
        String name = "exec-" + counter.incrementAndGet();
        List<ExecutionCgroup.Dir> made = new ArrayList<>();
        try {
            for (Hierarchy h : hierarchies) {
                made.add(new ExecutionCgroup.Dir(Files.createDirectory(h.parent().resolve(name)), h.memory(), h.pids()));
            }
        } catch (IOException e) {
            new ExecutionCgroup(made, false, false).close();
            throw e;
        }
        boolean kill = hierarchies.stream().anyMatch(Hierarchy::kill);
        boolean freezer = hierarchies.stream().anyMatch(Hierarchy::freezer);
        return new ExecutionCgroup(made, kill, freezer);
    }

    /** Removes this daemon's directories; call once every execution has ended. */
    @Override
    public void close() {
        for (Hierarchy h : hierarchies) {
            killExecutions(h.parent(), h.kill());
            removeQuietly(h.parent());
        }
    }

    /** Kills and removes what daemons of this deployment that are gone left below {@code base}. */
    private static void sweep(Path base, DaemonInstance instance) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, DaemonInstance.PREFIX + "*")) {
            for (Path stale : entries) {
                if (!instance.leftBehind(stale.getFileName().toString())) {
                    continue;
                }
                killExecutions(stale, Files.exists(stale.resolve("cgroup.kill")));
                if (removeQuietly(stale)) {
                    log.info("removed the cgroup {} of a daemon that is gone", stale);
                }
            }
        } catch (IOException e) {
            // nothing to sweep here
        }
    }

    /** Kills and removes every execution cgroup below a daemon's directory. */
    private static void killExecutions(Path parent, boolean kill) {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(parent, Files::isDirectory)) {
            for (Path child : children) {
                ExecutionCgroup.killAndRemove(List.of(child), kill, false);
            }
        } catch (IOException e) {
            // gone already
        }
    }

    /** Hierarchy ("" for v2, else the v1 controller) to this process's path in it. */
    static Map<String, Path> ownCgroups(List<String> procSelfCgroup) {
        Map<String, Path> own = new HashMap<>();
        for (String line : procSelfCgroup) {
            String[] fields = line.split(":", 3);
            if (fields.length != 3) {
                continue;
            }
            Path path = Path.of(fields[2].isEmpty() ? "/" : fields[2]);
            if (fields[0].equals("0") && fields[1].isEmpty()) {
                own.put("", path);
            } else {
                for (String controller : fields[1].split(",")) {
                    own.put(controller, path);
                }
            }
        }
        return own;
    }

    /** Where a hierarchy is mounted, and which of its cgroups the mount shows as its top. */
    record Mount(Path point, Path root) {
    }

    /** Hierarchy ("" for v2, else each v1 controller) to where it is mounted. */
    static Map<String, Mount> mountPoints(List<String> mountinfo) {
        Map<String, Mount> mounts = new HashMap<>();
        for (String line : mountinfo) {
            String[] halves = line.split(" - ", 2);
            if (halves.length != 2) {
                continue;
            }
            String[] before = halves[0].split(" ");
            String[] after = halves[1].split(" ");
            if (before.length < 5 || after.length < 3) {
                continue;
            }
            Mount mount = new Mount(Path.of(before[4].replace("\\040", " ")), Path.of(before[3]));
            if (after[0].equals("cgroup2")) {
                mounts.putIfAbsent("", mount);
            } else if (after[0].equals("cgroup")) {
                for (String option : after[2].split(",")) {
                    mounts.putIfAbsent(option, mount);
                }
            }
        }
        return mounts;
    }

    /** This process's cgroup directory in a mounted hierarchy, if the mount shows it. */
    static Optional<Path> resolve(Mount mount, Path own) {
        if (!own.startsWith(mount.root())) {
            return Optional.empty();
        }
        return Optional.of(mount.point().resolve(mount.root().relativize(own).toString()));
    }

    private static List<String> readWords(Path file) throws IOException {
        return List.of(Files.readString(file, StandardCharsets.US_ASCII).trim().split("\\s+"));
    }

    private static boolean removeQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
