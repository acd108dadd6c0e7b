package dev.interpreterd.exec;

import dev.interpreterd.host.WorkerUser;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The environment a worker starts with: a short allow-list of the daemon's own variables, never its
 * configuration ({@code INTERPRETERD_*}) or anything else, plus the request's {@code envs}; and the
 * user it runs the code as.
 */
public final class WorkerEnvironment {

    private static final Set<String> ALLOWED = Set.of(
            "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM");
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private final Map<String, String> base;
    private final WorkerUser user;

    /**
     * Builds the base from the daemon's environment, with {@code home} as {@code HOME}; when the code
     * runs as another user, {@code USER} and {@code LOGNAME} are that user's, as a login would set them.
     */
    public WorkerEnvironment(Map<String, String> daemonEnvironment, WorkerUser user, Path home) {
        this.user = user;
        Map<String, String> allowed = new TreeMap<>();
        daemonEnvironment.forEach((name, value) -> {
            if (ALLOWED.contains(name) || name.startsWith("LC_")) {
                allowed.put(name, value);
            }
        });
        allowed.putIfAbsent("PATH", DEFAULT_PATH);
        if (!allowed.containsKey("LANG") && !allowed.containsKey("LC_ALL")) {
            // Without a locale Python would guess one; the code should see UTF-8 like a terminal would.
            allowed.put("LANG", "C.UTF-8");
        }
        allowed.put("HOME", home.toString());
        if (user.switched()) {
            allowed.put("USER", user.name());
            allowed.put("LOGNAME", user.name());
        }
        this.base = Map.copyOf(allowed);
    }

    /** The user the code runs as. */
    public WorkerUser user() {
        return user;
    }

    /** The variables every worker starts with. */
    public Map<String, String> base() {
        return base;
    }

    /** The base with the request's variables on top. */
    public Map<String, String> with(Map<String, String> envs) {
        Map<String, String> merged = new TreeMap<>(base);
        merged.putAll(envs);
        return merged;
    }
}
