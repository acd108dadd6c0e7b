package dev.interpreterd.exec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.ProcessExecutor;

/** Finds out once, at start, whether executions can get a network namespace of their own here. */
public final class NetworkProbe {

    private NetworkProbe() {
    }

    /** Runs the runner's own isolation step in a throwaway process; true if it succeeded. */
    public static boolean namespacesAvailable(Path python, RunnerScript runner) {
        try {
            return new ProcessExecutor(python.toString(), runner.script().toString(), "--probe-network")
                    .directory(runner.directory().toFile())
                    .timeout(10, TimeUnit.SECONDS)
                    .exitValueAny()
                    .execute()
                    .getExitValue() == 0;
        } catch (IOException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
