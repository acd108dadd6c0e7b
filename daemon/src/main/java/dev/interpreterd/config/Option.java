package dev.interpreterd.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Every command-line flag, with its environment twin, default and meaning, for parsing and --help. */
enum Option {
    HOST("host", "127.0.0.1", "address to listen on; beyond loopback a token is required"),
    PORT("port", "8000", "TCP port to listen on (0 picks a free one)"),
    WORK_DIR("work-dir", "the current directory; for another user, that user's own", "working directory of executions that"
            + " name no cwd; the code's user must be able to enter it"),
    USER("user", "interpreterd-code, else nobody; the daemon's own unless it may switch", "user the code runs as"
            + " when the daemon runs as root or holds CAP_SETUID, CAP_SETGID and CAP_KILL"),
    PYTHON("python", "python3 on PATH", "Python interpreter, resolved once at start to its real executable"),
    DEFAULT_TIMEOUT("default-timeout", "300", "timeout in seconds of a request that names none"),
    MAX_TIMEOUT("max-timeout", "3600", "largest timeout in seconds a request may ask for"),
    GRACE("grace", "2", "seconds between SIGINT, SIGTERM and SIGKILL when stopping an execution"),
    MAX_OUTPUT("max-output", "1MiB", "bytes kept of each of stdout and stderr (suffixes KiB, MiB, GiB)"),
    MAX_BODY("max-body", "10MiB", "largest request body in bytes (suffixes KiB, MiB, GiB)"),
    MAX_CONCURRENT("max-concurrent", "8", "executions that run at once"),
    QUEUE("queue", "64", "requests that may wait for a free slot before new ones get 503"),
    WARM_WORKERS("warm-workers", "2", "with --launcher spawn: workers kept started ahead, each for one execution"
            + " (0 starts them on demand)"),
    LAUNCHER("launcher", "box", "how the code's processes come to exist: box (forked in a box of namespaces of"
            + " its own, one per slot) or spawn (a freshly started interpreter each)"),
    PRELOAD("preload", "none", "modules the zygote imports once for boxes and contexts, comma-separated"),
    MAX_CONTEXTS("max-contexts", "16", "contexts (interpreters that keep their state) that may live at once"),
    CONTEXT_IDLE_TIMEOUT("context-idle-timeout", "1800", "seconds a context may go without an execution before"
            + " it ends (0: never)"),
    CONTEXT_QUEUE("context-queue", "16", "executions that may wait for one context's turn; more get 503 context_busy"),
    MCP_SESSION_IDLE_TIMEOUT("mcp-session-idle-timeout", "the context idle timeout", "seconds an MCP session may go"
            + " without a request before it ends with its interpreter (0: never)"),
    ID_PREFIX("id-prefix", "none", "text that every context id and MCP session id begins with, so that a proxy in front"
            + " of several daemons can send a request to the daemon that holds its interpreter (letters, digits, '.', '_'"
            + " and '-'; at most 32)"),
    CONTEXT_MEMORY_RESERVE("context-memory-reserve", "256MiB", "memory the machine (or the daemon's cgroup) must"
            + " still have available to make a context; below it idle MCP interpreters are reclaimed, else 503"),
    MAX_MEMORY("max-memory", "2GiB", "address space of each process, and memory of each execution (its cgroup);"
            + " requests may ask for less"),
    MAX_PROCESSES("max-processes", "1024", "processes and threads of each execution (its cgroup), and of the code's"
            + " user over all its executions (not enforced with --user root)"),
    MAX_FILE_SIZE("max-file-size", "1GiB", "largest file an execution may write"),
    MAX_OPEN_FILES("max-open-files", "1024", "file descriptors an execution may hold open"),
    NETWORK("network", "true", "whether executions may use the network; false gives each an empty network namespace"),
    CGROUPS("cgroups", "true", "give each execution a cgroup where the daemon can make one (false: the subreaper only)"),
    KEEPALIVE("keepalive", "10", "seconds of silence after which a streaming answer sends a keepalive frame, and an"
            + " MCP call that asked for progress a heartbeat (at most 30)"),
    TOKEN("token", "none", "bearer token required in the Authorization header (any user sees it in ps:"
            + " prefer --token-file or the environment)"),
    TOKEN_FILE("token-file", "none", "file holding the bearer token alone on one line, read at start"),
    ALLOW_UNAUTHENTICATED("allow-unauthenticated", "false", "allow a non-loopback host without a token", true),
    HELP("help", "", "print this help and exit (also -h)", true),
    VERSION("version", "", "print the version and exit", true);

    private final String flag;
    private final String defaultValue;
    private final String description;
    private final boolean isSwitch;

    Option(String flag, String defaultValue, String description) {
        this(flag, defaultValue, description, false);
    }

    Option(String flag, String defaultValue, String description, boolean isSwitch) {
        this.flag = flag;
        this.defaultValue = defaultValue;
        this.description = description;
        this.isSwitch = isSwitch;
    }

    /** The long flag without dashes, e.g. {@code work-dir}. */
    String flag() {
        return flag;
    }

    /** The environment variable that sets this option when the flag is absent. */
    String environmentName() {
        return "INTERPRETERD_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The default, as shown in --help. */
    String defaultValue() {
        return defaultValue;
    }

    /** One line saying what the option does. */
    String description() {
        return description;
    }

    /** True for options that ask for something instead of configuring the daemon: no environment twin. */
    boolean isAction() {
        return this == HELP || this == VERSION;
    }

    /** True for options that take no value on the command line. */
    boolean isSwitch() {
        return isSwitch;
    }

    /** The option a flag names, if any. */
    static Optional<Option> byFlag(String flag) {
        return Arrays.stream(values()).filter(o -> o.flag.equals(flag)).findFirst();
    }
}
