package dev.interpreterd.host;

import dev.interpreterd.os.JnaLibrary;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's own files, which the code must not reach: the runner directory (the runner, its
 * compiled cache, the control socket, the output pipes), the token file, and the directory JNA
 * unpacked its native library into. The runner covers each in the mount namespace the code runs in,
 * before the code starts, a directory with an empty read-only tmpfs and a file with /dev/null: once
 * per box, in its init, and for {@code --launcher spawn} in each supervisor's child while it waits.
 *
 * @param paths what to cover, each given to the runner as {@code --hide PATH}
 */
public record PrivateFiles(List<Path> paths) {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    /** The names JNA gives what it unpacks. */
    private static final String JNA_PREFIX = "jna";

    /** Copies the list. */
    public PrivateFiles {
        paths = List.copyOf(paths);
    }

    /** This daemon's files: the runner directory, the token file if the token came from one, and JNA's. */
    public static PrivateFiles of(RunnerScript runner, Optional<Path> tokenFile) {
        List<Path> paths = new ArrayList<>(List.of(runner.directory()));
        tokenFile.ifPresent(paths::add);
        JnaLibrary.unpacked().map(PrivateFiles::jnaFiles).ifPresent(paths::add);
        return new PrivateFiles(paths);
    }

    /**
     * The directory of the library JNA unpacked when it holds nothing but what JNA unpacks there (its
     * own, as {@code ~/.cache/JNA/temp} or the unit's {@code jna.tmpdir}); else the library alone.
     * Where JNA fell back to the temp root, that also holds the runner directory, and maybe the
     * work directory: covering it would take from the code what it needs.
     */
    static Path jnaFiles(Path library) {
        Path directory = library.getParent();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().startsWith(JNA_PREFIX)) {
                    return library;
                }
            }
            return directory;
        } catch (IOException e) {
            return library;
        }
    }

    /** {@code --hide PATH} for each path, for the runner's command line. */
    public List<String> runnerArguments() {
        List<String> arguments = new ArrayList<>();
        for (Path path : paths) {
            arguments.addAll(List.of("--hide", path.toString()));
        }
        return arguments;
    }

    /**
     * Whether an execution without a box can cover these files here (it needs a mount namespace of
     * its own, and, without root, a user namespace): the runner's own step, in a throwaway process.
     *
     * @return empty when it can, else why not
     */
    public Optional<String> uncoverableWithoutBox(Path python, RunnerScript runner) {
        List<String> command = new ArrayList<>(
                List.of(python.toString(), runner.script().toString(), "--probe-hiding"));
        command.addAll(runnerArguments());
        try {
            Probe probe = Probe.run("hiding the daemon's files", PROBE_TIMEOUT, runner.directory(), command);
            return probe.succeeded() ? Optional.empty() : Optional.of(probe.text());
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }
}
