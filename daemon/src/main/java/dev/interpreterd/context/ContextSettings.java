package dev.interpreterd.context;

import dev.interpreterd.config.Limits;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a context is made with, for its whole life.
 *
 * @param cwd the directory its interpreter starts in
 * @param envs environment variables on top of the daemon's allow-list, for every execution in it
 * @param limits its limits: each of its processes, and its box as a whole
 * @param network false to give it a network namespace of its own, with no way out
 */
public record ContextSettings(Path cwd, Map<String, String> envs, Limits limits, boolean network) {

    /** Copies the map and rejects missing values. */
    public ContextSettings {
        Objects.requireNonNull(cwd, "cwd");
        envs = Map.copyOf(envs);
        Objects.requireNonNull(limits, "limits");
    }
}
