package dev.interpreterd.host;

import dev.interpreterd.host.Probe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Finds out once, at start, whether executions can get a network namespace of their own here. */
public final class NetworkProbe {

    private NetworkProbe() {
    }

    /** Runs the runner's own isolation step in a throwaway process; true if it succeeded. */
    public static boolean namespacesAvailable(Path python, RunnerScript runner) {
        try {
            return Probe.run("making a network namespace", Duration.ofSeconds(10), runner.directory(),
                    List.of(python.toString(), runner.script().toString(), "--probe-network")).succeeded();
        } catch (IOException e) {
            return false;
        }
    }
}
