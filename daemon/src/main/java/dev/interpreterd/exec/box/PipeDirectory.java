package dev.interpreterd.exec.box;

import dev.interpreterd.os.NamedPipe;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A box's own directory for its output pipes, under the runner directory and open to the daemon's
 * user alone: the one part of the runner directory the box sees, where no other box can open a pipe.
 */
final class PipeDirectory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipeDirectory.class);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path path;

    private PipeDirectory(Path path) {
        this.path = path;
    }

    /** Makes a new, empty directory under {@code root}. */
    static PipeDirectory create(Path root) throws IOException {
        return new PipeDirectory(Files.createTempDirectory(root, "box-", OWNER_ONLY));
    }

    /** Where it is, as the box is told. */
    Path path() {
        return path;
    }

    /** A new named pipe in the directory. */
    NamedPipe pipe(String name) throws IOException {
        return NamedPipe.create(path.resolve(name));
    }

    /** Removes the directory and any pipe still in it; the runner directory goes at shutdown anyway. */
    @Override
    public void close() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                Files.deleteIfExists(entry);
            }
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("could not remove {}: {}", path, e.toString());
        }
    }
}
