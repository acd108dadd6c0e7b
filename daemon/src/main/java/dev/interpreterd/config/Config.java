package dev.interpreterd.config;

import dev.interpreterd.config.Limits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The daemon's whole configuration, fixed at start.
 *
 * @param host address to listen on (default 127.0.0.1)
 * @param port TCP port, 0 for any free one (default 8000)
 * @param workDir working directory of executions that name none (default: the current directory, or
 *                when the code runs as another user, a directory of that user's; see WorkDirectories)
 * @param user the user the code runs as when the daemon runs as root or holds the capabilities to
 *             switch users (default: {@code interpreterd-code} if it exists, else {@code nobody}); any
 *             other daemon runs the code as itself
 * @param python the interpreter as given; resolved to its real executable at start (default python3)
 * @param defaultTimeout timeout of a request that names none (default 300 s)
 * @param maxTimeout largest timeout a request may ask for (default 3600 s)
 * @param grace wait between SIGINT, SIGTERM and SIGKILL (default 2 s)
 * @param maxOutputBytes bytes kept of each output stream (default 1 MiB)
 * @param maxBodyBytes largest request body (default 10 MiB)
 * @param maxConcurrent executions running at once (default 8)
 * @param queue requests waiting for a slot before 503 (default 64)
 * @param warmWorkers with the spawn launcher, workers kept started ahead (default 2; 0 starts each on demand)
 * @param launcher how the code's processes come to exist (default {@link Launcher#BOX})
 * @param preload modules the zygote imports once, for the boxes and the contexts (default none)
 * @param maxContexts contexts that may live at once (default 16)
 * @param contextIdleTimeout how long a context may go without an execution before it ends; zero for
 *                           ever (default 1800 s)
 * @param contextQueue executions that may wait for one context's turn before more get 503 (default 16)
 * @param mcpSessionIdleTimeout how long an MCP session may go without a request before it ends with its
 *                              context; zero for ever (default: the context idle timeout)
 * @param idPrefix what every context id and MCP session id begins with, for a proxy to route by; empty for nothing
 * @param contextMemoryReserveBytes memory the machine (or the daemon's cgroup) must still have available
 *                                  for a new context to be made (default 256 MiB)
 * @param keepalive silence after which a streaming answer sends a keepalive frame (default 10 s)
 * @param network whether executions may use the network (default true); false is a policy that
 *                requests cannot lift
 * @param cgroups whether each execution gets a cgroup where the daemon can make one (default true)
 * @param limits the most each execution may use (default 2 GiB memory, 1024 processes, 1 GiB
 *               files, 1024 open files); requests may ask for less
 * @param token bearer token required on every request but /health, if present, with where it was given
 * @param allowUnauthenticated whether a non-loopback host may run without a token
 */
public record Config(
        String host,
        int port,
        Optional<Path> workDir,
        Optional<String> user,
        String python,
        Duration defaultTimeout,
        Duration maxTimeout,
        Duration grace,
        long maxOutputBytes,
        long maxBodyBytes,
        int maxConcurrent,
        int queue,
        int warmWorkers,
        Launcher launcher,
        List<String> preload,
        int maxContexts,
        Duration contextIdleTimeout,
        int contextQueue,
        Duration mcpSessionIdleTimeout,
        String idPrefix,
        long contextMemoryReserveBytes,
        Duration keepalive,
        boolean network,
        boolean cgroups,
        Limits limits,
        Optional<Token> token,
        boolean allowUnauthenticated) {

    private static final Pattern ID_PREFIX = Pattern.compile("[A-Za-z0-9._-]{0,32}");
    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** The interpreter when none is named. */
    public static final String DEFAULT_PYTHON = "python3";
    /** Default bytes kept of each output stream. */
    public static final long DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
    /** Default memory that must stay available for a new context to be made. */
    public static final long DEFAULT_CONTEXT_MEMORY_RESERVE_BYTES = 256L * 1024 * 1024;
    /** Default largest request body. */
    public static final long DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

    /** How the code's processes come to exist. */
    public enum Launcher {
        /** A box per slot, forked from a zygote that preloaded modules; each execution forks a child in a box. */
        BOX,
        /** A freshly exec'd interpreter per execution, started ahead of need by the warm pool. */
        SPAWN
    }

    /** Checks every value, so that a Config that exists is one the daemon can run with. */
    public Config {
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(limits, "limits");
        preload = List.copyOf(preload);
        require(preload.stream().allMatch(m -> MODULE_NAME.matcher(m).matches()),
                "--preload takes module names such as json,numpy separated by commas");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(user, "user");
        require(user.map(u -> !u.isBlank()).orElse(true), "--user must name a user");
        Objects.requireNonNull(python, "python");
        Objects.requireNonNull(token, "token");
        require(!host.isBlank(), "--host must not be empty");
        require(port >= 0 && port <= 65535, "--port must be between 0 and 65535");
        require(isPositive(defaultTimeout), "--default-timeout must be greater than 0");
        require(isPositive(maxTimeout), "--max-timeout must be greater than 0");
        require(defaultTimeout.compareTo(maxTimeout) <= 0, "--default-timeout must not exceed --max-timeout");
        require(isPositive(grace), "--grace must be greater than 0");
        require(isPositive(keepalive), "--keepalive must be greater than 0");
        require(maxOutputBytes > 0, "--max-output must be greater than 0");
        require(maxBodyBytes > 0 && maxBodyBytes <= Integer.MAX_VALUE - 8, "--max-body must be between 1 byte and 2 GiB");
        require(maxConcurrent > 0, "--max-concurrent must be greater than 0");
        require(queue >= 0, "--queue must not be negative");
        require(warmWorkers >= 0 && warmWorkers <= 64, "--warm-workers must be between 0 and 64");
        require(maxContexts >= 0 && maxContexts <= 1024, "--max-contexts must be between 0 and 1024");
        require(!contextIdleTimeout.isNegative(), "--context-idle-timeout must not be negative");
        require(contextQueue >= 0 && contextQueue <= 1024, "--context-queue must be between 0 and 1024");
        require(!mcpSessionIdleTimeout.isNegative(), "--mcp-session-idle-timeout must not be negative");
        Objects.requireNonNull(idPrefix, "idPrefix");
        require(ID_PREFIX.matcher(idPrefix).matches(), "--id-prefix must be at most 32 letters, digits, '.', '_' or"
                + " '-', got '" + idPrefix + "'");
        require(contextMemoryReserveBytes >= 0, "--context-memory-reserve must not be negative");
        require(isLoopback(host) || token.isPresent() || allowUnauthenticated,
                "listening on " + host + " without a token would let anyone on the network run code;"
                        + " set --token-file (or INTERPRETERD_TOKEN_FILE, or INTERPRETERD_TOKEN), or pass"
                        + " --allow-unauthenticated");
    }

    /** The defaults of every option. */
    public static Config defaults() {
        return new Config("127.0.0.1", 8000, Optional.empty(), Optional.empty(), DEFAULT_PYTHON, Duration.ofSeconds(300), Duration.ofSeconds(3600),
                Duration.ofSeconds(2), DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_BODY_BYTES, 8, 64, 2, Launcher.BOX, List.of(), 16, Duration.ofSeconds(1800), 16, Duration.ofSeconds(1800), "", DEFAULT_CONTEXT_MEMORY_RESERVE_BYTES,
                Duration.ofSeconds(10), true, true,
                new Limits(2L << 30, 1024, 1L << 30, 1024), Optional.empty(), false);
    }

    /**
     * True if the host only accepts connections from this machine: {@code localhost} or a loopback IP
     * literal. Other names count as reachable from the network, whatever they resolve to today.
     */
    public static boolean isLoopback(String host) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (literal.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!IPV4_LITERAL.matcher(literal).matches() && !literal.contains(":")) {
            return false;
        }
        try {
            // A literal is parsed, never looked up in DNS.
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isPositive(Duration duration) {
        return duration != null && !duration.isNegative() && !duration.isZero();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
