package dev.interpreterd.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner script, copied out of the jar once per daemon start into a private 0700 directory
 * ({@code interpreterd-<pid>-*} under the temp root) that also holds the control socket. Removed at
 * shutdown; directories left by daemons that no longer run are swept at the next start.
 */
public final class RunnerScript implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunnerScript.class);
    private static final String RESOURCE_DIRECTORY = "/runner/";
    private static final String RUNNER = "runner.py";
    /** The runner and the module it imports; both are copied next to each other. */
    private static final List<String> FILES = List.of(RUNNER, "interpreterd_display.py");
    private static final String PREFIX = "interpreterd-";
    private static final Pattern OWN_DIRECTORY = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-.*");

    private final Path directory;
    private final Path script;

    private RunnerScript(Path directory, Path script) {
        this.directory = directory;
        this.script = script;
    }

    /** Sweeps stale directories under {@code tempRoot}, then writes the runner into a new one. */
    public static RunnerScript install(Path tempRoot) throws IOException {
        int swept = sweepStale(tempRoot);
        if (swept > 0) {
            log.info("removed {} runner directories left by daemons that are gone", swept);
        }
        long pid = ProcessHandle.current().pid();
        Path directory = Files.createTempDirectory(tempRoot, PREFIX + pid + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
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
            Files.createFile(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.write(target, in.readAllBytes());
        }
    }

    /** The private directory. */
    public Path directory() {
        return directory;
    }

    /** The runner file inside it. */
    public Path script() {
        return script;
    }

    /** Deletes the directory and everything in it. */
    @Override
    public void close() {
        deleteTree(directory);
    }

    static int sweepStale(Path tempRoot) throws IOException {
        int swept = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tempRoot, PREFIX + "*")) {
            for (Path entry : entries) {
                Matcher m = OWN_DIRECTORY.matcher(entry.getFileName().toString());
                if (m.matches() && Files.isDirectory(entry) && Files.isWritable(entry)
                        && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
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
