package dev.interpreterd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The cgroups that daemons under test make, found in this machine's hierarchies. */
public final class CgroupDirectories {

    private CgroupDirectories() {
    }

    /** The cgroup directories of the daemons in a JVM, in the v1 pids and the v2 hierarchies here. */
    public static List<Path> of(long pid) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> entries = Files.list(root)) {
                    entries.filter(p -> DaemonProcess.madeBy(pid, p)).forEach(found::add);
                }
            }
        }
        return found;
    }

    /** True where the daemon can make cgroups: root, and a cgroup hierarchy that is writable. */
    public static boolean writable() {
        return "root".equals(System.getProperty("user.name"))
                && Stream.of("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")
                        .map(Path::of).anyMatch(p -> Files.isWritable(p.resolve("cgroup.procs")));
    }
}
