package dev.interpreterd.host;

import dev.interpreterd.os.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner, copied out of the jar once per daemon start into a private 0700 directory
 * ({@code interpreterd-<key>-<pid>-<start>-*} under the temp root, see {@link DaemonInstance}) that
 * also holds the control socket: the entry point {@code runner.py} and, in a 0700 subdirectory of
 * the same name, the package {@code interpreterd_runner} it imports. Removed at shutdown; a directory
 * left by a daemon of the same deployment that is gone is swept at the next start, and other daemons'
 * are left alone. So is one an earlier version ({@code interpreterd-<pid>-<digits>}) left, once no
 * process has its pid.
 */
public final class RunnerScript implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunnerScript.class);
    private static final String RESOURCE_DIRECTORY = "/runner/";
    private static final String RUNNER = "runner.py";
    private static final String PACKAGE = "interpreterd_runner";
    /** The entry point and every module of its package, each copied to the same path under the directory. */
    private static final List<String> FILES = List.of(RUNNER,
            PACKAGE + "/__init__.py", PACKAGE + "/box.py", PACKAGE + "/child.py", PACKAGE + "/codes.py",
            PACKAGE + "/context.py", PACKAGE + "/display.py", PACKAGE + "/execution.py", PACKAGE + "/frames.py",
            PACKAGE + "/hiding.py", PACKAGE + "/kernel.py", PACKAGE + "/limits.py", PACKAGE + "/namespaces.py",
            PACKAGE + "/network.py",
            PACKAGE + "/outcomes.py", PACKAGE + "/parent.py", PACKAGE + "/processes.py", PACKAGE + "/sandbox.py",
            PACKAGE + "/start.py", PACKAGE + "/supervisor.py", PACKAGE + "/timeline.py", PACKAGE + "/zygote.py");
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path directory;
    private final Path script;

    private RunnerScript(Path directory, Path script) {
        this.directory = directory;
        this.script = script;
    }

    /**
     * Sweeps what earlier daemons of the same deployment left under {@code tempRoot}, then writes the
     * runner into a new directory named for {@code instance}.
     */
    public static RunnerScript install(Path tempRoot, DaemonInstance instance) throws IOException {
        int swept = sweepStale(tempRoot, instance);
        if (swept > 0) {
            log.info("removed {} runner directories left by daemons that are gone", swept);
        }
        Path directory = Files.createTempDirectory(tempRoot, instance.name() + "-", OWNER_ONLY);
        Files.createDirectory(directory.resolve(PACKAGE), OWNER_ONLY);
        for (String file : FILES) {
            copy(RESOURCE_DIRECTORY + file, directory.resolve(file));
        }
        return new RunnerScript(directory, directory.resolve(RUNNER));
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = RunnerScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the jar has no " + resource);
            }
            Files.createFile(target, OWNER_ONLY);
            Files.write(target, in.readAllBytes());
        }
    }

    /** The private directory. */
    public Path directory() {
        return directory;
    }

    /** The runner's entry point inside it. */
    public Path script() {
        return script;
    }

    /** Deletes the directory and everything in it. */
    @Override
    public void close() {
        deleteTree(directory);
    }

    /**
     * Removes the directories under {@code tempRoot} that a daemon of this deployment, or of an earlier
     * version, left and that this user owns: anyone may make a directory of that name in a shared temp dir.
     */
    static int sweepStale(Path tempRoot, DaemonInstance instance) throws IOException {
        int swept = 0;
        int self = Posix.effectiveUserId();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tempRoot, DaemonInstance.PREFIX + "*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if ((instance.leftBehind(name) || DaemonInstance.leftBehindByEarlierVersion(name))
                        && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                        && (Integer) Files.getAttribute(entry, "unix:uid", LinkOption.NOFOLLOW_LINKS) == self) {
                    deleteTree(entry);
                    swept++;
                }
            }
        }
        return swept;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove {}: {}", root, e.toString());
        }
    }
}
