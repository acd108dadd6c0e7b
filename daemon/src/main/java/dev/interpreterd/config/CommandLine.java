package dev.interpreterd.config;

import java.math.BigDecimal;
import dev.interpreterd.config.Limits;
import dev.interpreterd.units.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns command-line flags and their {@code INTERPRETERD_*} environment twins into a {@link Config}. */
public final class CommandLine {

    private CommandLine() {
    }

    /** What a command line asks for: to run the daemon, or only to print its help or version. */
    public enum Action { RUN, HELP, VERSION }

    /**
     * What the flags ask for; help wins over version.
     *
     * @throws UsageException naming the flag when a flag is unknown or lacks its value
     */
    public static Action action(List<String> args) {
        Map<Option, String> flags = readFlags(args);
        return flags.containsKey(Option.HELP) ? Action.HELP
                : flags.containsKey(Option.VERSION) ? Action.VERSION : Action.RUN;
    }

    /**
     * Parses flags, falling back to the environment for each flag not given.
     *
     * @return the configuration, or empty when --help or --version was asked for
     * @throws UsageException naming the flag when a flag or value is wrong
     */
    public static Optional<Config> parse(List<String> args, Map<String, String> environment) {
        if (action(args) != Action.RUN) {
            return Optional.empty();
        }
        Map<Option, String> values = new EnumMap<>(Option.class);
        for (Option option : Option.values()) {
            String value = environment.get(option.environmentName());
            if (value != null && !value.isEmpty() && !option.isAction()) {
                values.put(option, value);
            }
        }
        Map<Option, String> flags = readFlags(args);
        values.putAll(flags);
        return Optional.of(toConfig(values, flags.keySet()));
    }

    /** The --help text: every flag, its environment twin and its default. */
    public static String help() {
        StringBuilder text = new StringBuilder("""
                Usage: java -jar interpreterd.jar [options]

                Runs Python code sent to POST /process/interpreter/execute, each execution in its own
                python3 process. Every flag has an environment twin; a flag wins over its twin.

                """);
        for (Option option : Option.values()) {
            String flag = "--" + option.flag() + (option.isSwitch() ? "" : " VALUE");
            text.append(String.format(Locale.ROOT, "  %-28s %s%n", flag, option.description()));
            String origin = option.isAction() ? "" : "env " + option.environmentName();
            if (!option.defaultValue().isEmpty()) {
                origin += ", default " + option.defaultValue();
            }
            if (!origin.isEmpty()) {
                text.append(String.format(Locale.ROOT, "  %-28s (%s)%n", "", origin));
            }
        }
        return text.toString();
    }

    private static Map<Option, String> readFlags(List<String> args) {
        Map<Option, String> flags = new EnumMap<>(Option.class);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i).equals("-h") ? "--help" : args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'; options start with --");
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
            Option option = Option.byFlag(name)
                    .orElseThrow(() -> new UsageException("unknown option --" + name + "; see --help"));
            if (option.isSwitch()) {
                flags.put(option, equals < 0 ? "true" : arg.substring(equals + 1));
            } else if (equals >= 0) {
                flags.put(option, arg.substring(equals + 1));
            } else if (i + 1 < args.size()) {
                flags.put(option, args.get(++i));
            } else {
                throw new UsageException("--" + name + " needs a value");
            }
        }
        return flags;
    }

    /** {@code given} are the options set on the command line, as opposed to the environment. */
    private static Config toConfig(Map<Option, String> values, Set<Option> given) {
        Config defaults = Config.defaults();
        try {
            return new Config(
                    values.getOrDefault(Option.HOST, defaults.host()),
                    integer(values, Option.PORT, defaults.port()),
                    directory(values),
                    Optional.ofNullable(values.get(Option.USER)).map(String::trim),
                    values.getOrDefault(Option.PYTHON, defaults.python()),
                    seconds(values, Option.DEFAULT_TIMEOUT, defaults.defaultTimeout()),
                    seconds(values, Option.MAX_TIMEOUT, defaults.maxTimeout()),
                    seconds(values, Option.GRACE, defaults.grace()),
                    bytes(values, Option.MAX_OUTPUT, defaults.maxOutputBytes()),
                    bytes(values, Option.MAX_BODY, defaults.maxBodyBytes()),
                    integer(values, Option.MAX_CONCURRENT, defaults.maxConcurrent()),
                    integer(values, Option.QUEUE, defaults.queue()),
                    integer(values, Option.WARM_WORKERS, defaults.warmWorkers()),
                    launcher(values),
                    modules(values),
                    integer(values, Option.MAX_CONTEXTS, defaults.maxContexts()),
                    seconds(values, Option.CONTEXT_IDLE_TIMEOUT, defaults.contextIdleTimeout()),
                    integer(values, Option.CONTEXT_QUEUE, defaults.contextQueue()),
                    seconds(values, Option.MCP_SESSION_IDLE_TIMEOUT,
                            seconds(values, Option.CONTEXT_IDLE_TIMEOUT, defaults.contextIdleTimeout())),
                    values.getOrDefault(Option.ID_PREFIX, defaults.idPrefix()).trim(),
                    bytes(values, Option.CONTEXT_MEMORY_RESERVE, defaults.contextMemoryReserveBytes()),
                    seconds(values, Option.KEEPALIVE, defaults.keepalive()),
                    !values.containsKey(Option.NETWORK) || bool(values, Option.NETWORK),
                    !values.containsKey(Option.CGROUPS) || bool(values, Option.CGROUPS),
                    limits(values, defaults.limits()),
                    token(values, given),
                    bool(values, Option.ALLOW_UNAUTHENTICATED));
        } catch (IllegalArgumentException e) {
            throw e instanceof UsageException ? e : new UsageException(e.getMessage());
        }
    }

    /** The token from --token, INTERPRETERD_TOKEN or a token file; more than one way is a mistake. */
    private static Optional<Token> token(Map<Option, String> values, Set<Option> given) {
        String token = values.get(Option.TOKEN);
        String file = values.get(Option.TOKEN_FILE);
        if (token != null && file != null) {
            throw new UsageException(origin(Option.TOKEN, given) + " and " + origin(Option.TOKEN_FILE, given)
                    + " both give a token; give it one way only");
        }
        if (file != null) {
            return Optional.of(Token.readFile(file));
        }
        return Optional.ofNullable(token).map(t -> new Token(t,
                given.contains(Option.TOKEN) ? Token.Origin.COMMAND_LINE : Token.Origin.ENVIRONMENT));
    }

    /** How an option was set: its flag, or its environment twin. */
    private static String origin(Option option, Set<Option> given) {
        return given.contains(option) ? "--" + option.flag() : option.environmentName();
    }

    private static Optional<Path> directory(Map<Option, String> values) {
        String value = values.get(Option.WORK_DIR);
        if (value == null) {
            return Optional.empty();
        }
        Path dir = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--work-dir " + value + " is not an existing directory");
        }
        return Optional.of(dir);
    }

    private static int integer(Map<Option, String> values, Option option, int fallback) {
        String value = values.get(option);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(option, value, "a whole number");
        }
    }

    private static Duration seconds(Map<Option, String> values, Option option, Duration fallback) {
        String value = values.get(option);
        if (value == null) {
            return fallback;
        }
        try {
            BigDecimal nanos = new BigDecimal(value.trim().replaceFirst("s$", "")).movePointRight(9);
            return Duration.ofNanos(nanos.longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(option, value, "a number of seconds such as 2 or 0.5");
        }
    }

    private static long bytes(Map<Option, String> values, Option option, long fallback) {
        String value = values.get(option);
        if (value == null) {
            return fallback;
        }
        try {
            return Sizes.parse(value);
        } catch (NumberFormatException e) {
            throw invalid(option, value, "a number of bytes such as 1048576 or 1MiB");
        }
    }

    private static Limits limits(Map<Option, String> values, Limits defaults) {
        long memory = bytes(values, Option.MAX_MEMORY, defaults.memoryBytes());
        long processes = integer(values, Option.MAX_PROCESSES, (int) defaults.processes());
        long fileSize = bytes(values, Option.MAX_FILE_SIZE, defaults.fileSizeBytes());
        long openFiles = integer(values, Option.MAX_OPEN_FILES, (int) defaults.openFiles());
        for (Map.Entry<Option, Long> limit : Map.of(Option.MAX_MEMORY, memory, Option.MAX_PROCESSES, processes,
                Option.MAX_FILE_SIZE, fileSize, Option.MAX_OPEN_FILES, openFiles).entrySet()) {
            if (limit.getValue() <= 0) {
                throw new UsageException("--" + limit.getKey().flag() + " must be greater than 0");
            }
        }
        return new Limits(memory, processes, fileSize, openFiles);
    }

    private static Config.Launcher launcher(Map<Option, String> values) {
        String value = values.getOrDefault(Option.LAUNCHER, "box").trim();
        return switch (value) {
            case "box" -> Config.Launcher.BOX;
            case "spawn" -> Config.Launcher.SPAWN;
            default -> throw invalid(Option.LAUNCHER, value, "box or spawn");
        };
    }

    private static List<String> modules(Map<Option, String> values) {
        String value = values.getOrDefault(Option.PRELOAD, "");
        return Arrays.stream(value.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    }

    private static boolean bool(Map<Option, String> values, Option option) {
        String value = values.getOrDefault(option, "false").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no", "" -> false;
            default -> throw invalid(option, value, "true or false");
        };
    }

    private static UsageException invalid(Option option, String value, String expected) {
        return new UsageException("--" + option.flag() + " '" + value + "' is not " + expected);
    }
}
