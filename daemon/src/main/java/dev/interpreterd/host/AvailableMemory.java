package dev.interpreterd.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * How much memory is still available to the daemon and what it starts: the kernel's
 * {@code MemAvailable}, or less where the daemon's cgroup (or one above it) has a memory limit,
 * under cgroup v2 or the v1 memory controller. Read anew on each call; cheap enough for each new
 * context.
 */
public final class AvailableMemory implements LongSupplier {

    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path SELF_CGROUP = Path.of("/proc/self/cgroup");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    /** Bytes available now; {@link Long#MAX_VALUE} when nothing can be read. */
    @Override
    public long getAsLong() {
        long available = meminfo().orElse(Long.MAX_VALUE);
        for (String line : lines(SELF_CGROUP)) {
            String[] parts = line.split(":", 3);
            if (parts.length < 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                available = Math.min(available, headroom(CGROUP_ROOT, parts[2], "memory.max", "memory.current"));
            } else if (List.of(parts[1].split(",")).contains("memory")) {
                available = Math.min(available, headroom(CGROUP_ROOT.resolve("memory"), parts[2],
                        "memory.limit_in_bytes", "memory.usage_in_bytes"));
            }
        }
        return available;
    }

    /** The least room left under a limit, from the cgroup at {@code path} up to the hierarchy's root. */
    private static long headroom(Path root, String path, String limitFile, String usageFile) {
        long least = Long.MAX_VALUE;
        Path directory = root.resolve(path.replaceFirst("^/+", "")).normalize();
        while (directory.startsWith(root)) {
            OptionalLong limit = number(directory.resolve(limitFile));
            OptionalLong usage = number(directory.resolve(usageFile));
            if (limit.isPresent() && usage.isPresent()) {
                least = Math.min(least, Math.max(0, limit.getAsLong() - usage.getAsLong()));
            }
            if (directory.equals(root)) {
                break;
            }
            directory = directory.getParent();
        }
        return least;
    }

    private static OptionalLong meminfo() {
        for (String line : lines(MEMINFO)) {
            if (line.startsWith("MemAvailable:")) {
                String[] fields = line.trim().split("\\s+");
                try {
                    return OptionalLong.of(Long.parseLong(fields[1]) * 1024);
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** A file holding one number; empty for "max", a file that is not there, or anything else. */
    private static OptionalLong number(Path file) {
        List<String> lines = lines(file);
        if (lines.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(lines.get(0).trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
