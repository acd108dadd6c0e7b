package dev.interpreterd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Flags, their environment twins, defaults, --help and the sentences for every mistake. */
class CommandLineTest {

    @TempDir
    static Path tempDir;

    /** One option set to a value that differs from its default, and how to read it back. */
    record Setting(String flag, String environmentName, String value, Function<Config, Object> read, Object expected) {
        @Override
        public String toString() {
            return "--" + flag + " " + value;
        }
    }

    static Stream<Setting> settings() {
        return Stream.of(
                new Setting("host", "INTERPRETERD_HOST", "localhost", Config::host, "localhost"),
                new Setting("port", "INTERPRETERD_PORT", "9000", Config::port, 9000),
                new Setting("work-dir", "INTERPRETERD_WORK_DIR", tempDir.toString(), Config::workDir,
                        Optional.of(tempDir.toAbsolutePath().normalize())),
                new Setting("user", "INTERPRETERD_USER", "nobody", Config::user, Optional.of("nobody")),
                new Setting("python", "INTERPRETERD_PYTHON", "/usr/bin/python3.11", Config::python,
                        "/usr/bin/python3.11"),
                new Setting("default-timeout", "INTERPRETERD_DEFAULT_TIMEOUT", "10", Config::defaultTimeout,
                        Duration.ofSeconds(10)),
                new Setting("max-timeout", "INTERPRETERD_MAX_TIMEOUT", "7200", Config::maxTimeout,
                        Duration.ofSeconds(7200)),
                new Setting("grace", "INTERPRETERD_GRACE", "0.5", Config::grace, Duration.ofMillis(500)),
                new Setting("max-output", "INTERPRETERD_MAX_OUTPUT", "64KiB", Config::maxOutputBytes, 65536L),
                new Setting("max-body", "INTERPRETERD_MAX_BODY", "2MiB", Config::maxBodyBytes, 2097152L),
                new Setting("max-concurrent", "INTERPRETERD_MAX_CONCURRENT", "3", Config::maxConcurrent, 3),
                new Setting("queue", "INTERPRETERD_QUEUE", "0", Config::queue, 0),
                new Setting("token", "INTERPRETERD_TOKEN", "abc", c -> c.token().map(Token::value), Optional.of("abc")));
    }

    @Test
    void no_flags_give_the_documented_defaults() {
        Config config = parse();
        assertEquals("127.0.0.1", config.host());
        assertEquals(8000, config.port());
        assertEquals(Optional.empty(), config.workDir());
        assertEquals(Optional.empty(), config.user());
        assertEquals("python3", config.python());
        assertEquals(Duration.ofSeconds(300), config.defaultTimeout());
        assertEquals(Duration.ofSeconds(3600), config.maxTimeout());
        assertEquals(Duration.ofSeconds(2), config.grace());
        assertEquals(1024 * 1024, config.maxOutputBytes());
        assertEquals(10 * 1024 * 1024, config.maxBodyBytes());
        assertEquals(8, config.maxConcurrent());
        assertEquals(64, config.queue());
        assertEquals(Optional.empty(), config.token());
        assertFalse(config.allowUnauthenticated());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void flag_followed_by_its_value_sets_the_option(Setting setting) {
        assertSet(setting, parse("--" + setting.flag(), setting.value()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void flag_joined_to_its_value_by_equals_sets_the_option(Setting setting) {
        assertSet(setting, parse("--" + setting.flag() + "=" + setting.value()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void environment_twin_sets_the_option(Setting setting) {
        assertSet(setting, parseWithEnvironment(Map.of(setting.environmentName(), setting.value())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"--allow-unauthenticated, true", "--allow-unauthenticated=true, true",
            "--allow-unauthenticated=false, false"})
    void allow_unauthenticated_is_a_switch(String arg, boolean expected) {
        assertEquals(expected, parse(arg).allowUnauthenticated());
    }

    @Test
    void allow_unauthenticated_has_an_environment_twin() {
        assertTrue(parseWithEnvironment(Map.of("INTERPRETERD_ALLOW_UNAUTHENTICATED", "true")).allowUnauthenticated());
    }

    @Test
    void an_id_prefix_is_a_short_run_of_characters_a_header_carries_as_they_are() {
        assertEquals("", parse().idPrefix());
        assertEquals("node-a.", parse("--id-prefix", "node-a.").idPrefix());
        assertEquals("b_2-", parseWithEnvironment(Map.of("INTERPRETERD_ID_PREFIX", "b_2-")).idPrefix());
        UsageException spaced = assertThrows(UsageException.class, () -> parse("--id-prefix", "a b"));
        assertTrue(spaced.getMessage().contains("--id-prefix"), spaced::getMessage);
        assertThrows(UsageException.class, () -> parse("--id-prefix", "x".repeat(33)));
        assertThrows(UsageException.class, () -> parse("--id-prefix", "café"));
    }

    @Test
    void flag_wins_over_its_environment_twin() {
        Config config = CommandLine.parse(List.of("--port", "9001"), Map.of("INTERPRETERD_PORT", "9002")).orElseThrow();
        assertEquals(9001, config.port());
    }

    @Test
    void empty_environment_value_is_ignored() {
        assertEquals(8000, parseWithEnvironment(Map.of("INTERPRETERD_PORT", "")).port());
    }

    @Test
    void help_gives_no_configuration() {
        assertTrue(CommandLine.parse(List.of("--port", "9000", "--help"), Map.of()).isEmpty());
    }

    @Test
    void dash_h_asks_for_help() {
        assertEquals(CommandLine.Action.HELP, CommandLine.action(List.of("-h")));
        assertTrue(CommandLine.parse(List.of("-h"), Map.of()).isEmpty());
    }

    @Test
    void version_asks_for_the_version_and_gives_no_configuration() {
        assertEquals(CommandLine.Action.VERSION, CommandLine.action(List.of("--port", "9000", "--version")));
        assertTrue(CommandLine.parse(List.of("--version"), Map.of()).isEmpty());
        assertEquals(CommandLine.Action.HELP, CommandLine.action(List.of("--version", "--help")));
        assertEquals(CommandLine.Action.RUN, CommandLine.action(List.of("--port", "9000")));
    }

    @Test
    void version_is_not_read_from_the_environment() {
        assertTrue(CommandLine.parse(List.of(), Map.of("INTERPRETERD_VERSION", "true")).isPresent());
    }

    @Test
    void help_is_not_read_from_the_environment() {
        assertTrue(CommandLine.parse(List.of(), Map.of("INTERPRETERD_HELP", "true")).isPresent());
    }

    @ParameterizedTest(name = "--{0}")
    @CsvSource(delimiter = '|', value = {
            "host                  | INTERPRETERD_HOST                  | 127.0.0.1",
            "port                  | INTERPRETERD_PORT                  | 8000",
            "work-dir              | INTERPRETERD_WORK_DIR              | the current directory; for another user, that user's own",
            "user                  | INTERPRETERD_USER                  | interpreterd-code, else nobody; the daemon's own unless it may switch",
            "python                | INTERPRETERD_PYTHON                | python3 on PATH",
            "default-timeout       | INTERPRETERD_DEFAULT_TIMEOUT       | 300",
            "max-timeout           | INTERPRETERD_MAX_TIMEOUT           | 3600",
            "grace                 | INTERPRETERD_GRACE                 | 2",
            "max-output            | INTERPRETERD_MAX_OUTPUT            | 1MiB",
            "max-body              | INTERPRETERD_MAX_BODY              | 10MiB",
            "max-concurrent        | INTERPRETERD_MAX_CONCURRENT        | 8",
            "queue                 | INTERPRETERD_QUEUE                 | 64",
            "token                 | INTERPRETERD_TOKEN                 | none",
            "token-file            | INTERPRETERD_TOKEN_FILE            | none",
            "allow-unauthenticated | INTERPRETERD_ALLOW_UNAUTHENTICATED | false"})
    void help_lists_the_option_with_its_environment_variable_and_default(String flag, String variable,
                                                                         String defaultValue) {
        List<String> lines = CommandLine.help().lines().map(String::strip).toList();
        int line = lineOfFlag(lines, flag);
        assertTrue(line >= 0 && line + 1 < lines.size(), "--help does not list --" + flag);
        assertEquals("(env " + variable + ", default " + defaultValue + ")", lines.get(line + 1));
    }

    @Test
    void help_lists_itself_and_version() {
        List<String> lines = CommandLine.help().lines().map(String::strip).toList();
        assertTrue(lineOfFlag(lines, "help") >= 0);
        assertTrue(lineOfFlag(lines, "version") >= 0);
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                mistake("--bogus", "--bogus"),
                mistake("--bogus", "--bogus=1"),
                mistake("serve", "serve"),
                mistake("--port", "--port"),
                mistake("--port", "--port", "abc"),
                mistake("--port", "--port", "70000"),
                mistake("--port", "--port", "-1"),
                mistake("--grace", "--grace", "-1"),
                mistake("--grace", "--grace", "0"),
                mistake("--grace", "--grace", "soon"),
                mistake("--default-timeout", "--default-timeout", "120", "--max-timeout", "60"),
                mistake("--max-timeout", "--max-timeout", "0"),
                mistake("--work-dir", "--work-dir", tempDir.resolve("missing").toString()),
                mistake("--user", "--user", " "),
                mistake("--max-output", "--max-output", "1XB"),
                mistake("--max-body", "--max-body", "1XB"),
                mistake("--max-concurrent", "--max-concurrent", "0"),
                mistake("--queue", "--queue", "-1"),
                mistake("--token", "--token="),
                mistake("--token-file", "--token-file="),
                mistake("--token-file", "--token-file", tempDir.resolve("missing").toString()),
                mistake("--token-file", "--token-file", tempDir.toString()),
                mistake("--token-file", "--token-file", "/dev/null"),
                mistake("--allow-unauthenticated", "--allow-unauthenticated=maybe"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("mistakes")
    void mistake_is_a_usage_error_naming_the_flag(String named, List<String> args) {
        UsageException e = assertThrows(UsageException.class, () -> CommandLine.parse(args, Map.of()));
        assertTrue(e.getMessage().contains(named), () -> "'" + e.getMessage() + "' does not name " + named);
    }

    @Test
    void bad_environment_value_names_its_flag() {
        UsageException e = assertThrows(UsageException.class,
                () -> CommandLine.parse(List.of(), Map.of("INTERPRETERD_PORT", "abc")));
        assertTrue(e.getMessage().contains("--port"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"s3cret", "s3cret\n", "s3cret\r\n"})
    void token_file_gives_its_token_without_the_trailing_newline(String content) throws IOException {
        Path file = tokenFile(content);
        Config config = parse("--token-file", file.toString());
        assertEquals(Optional.of(new Token("s3cret", Token.Origin.FILE, Optional.of(file.toRealPath()))), config.token());
    }

    @Test
    void token_file_has_an_environment_twin() throws IOException {
        Path file = tokenFile("s3cret\n");
        Config config = parseWithEnvironment(Map.of("INTERPRETERD_TOKEN_FILE", file.toString()));
        assertEquals(Optional.of(new Token("s3cret", Token.Origin.FILE, Optional.of(file.toRealPath()))), config.token());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\n", "\n\n", "s3cret\n\n", "s3 cret\n", "s3cret\nmore\n", "\ts3cret\n", "caf\u00e9\n"})
    void token_file_without_a_valid_token_alone_on_its_line_is_refused(String content) throws IOException {
        String file = tokenFile(content).toString();
        UsageException e = assertThrows(UsageException.class, () -> parse("--token-file", file));
        assertTrue(e.getMessage().startsWith("--token-file " + file), e.getMessage());
    }

    @Test
    void token_file_longer_than_any_token_is_refused() throws IOException {
        String file = tokenFile("x".repeat(Token.MAX_FILE_BYTES + 1)).toString();
        UsageException e = assertThrows(UsageException.class, () -> parse("--token-file", file));
        assertTrue(e.getMessage().contains("--token-file"), e.getMessage());
    }

    static Stream<Arguments> tokensGivenTwice() throws IOException {
        String file = tokenFile("s3cret\n").toString();
        return Stream.of(
                Arguments.of(List.of("--token", "abc", "--token-file", file), Map.of(), "--token and --token-file"),
                Arguments.of(List.of("--token-file", file), Map.of("INTERPRETERD_TOKEN", "abc"),
                        "INTERPRETERD_TOKEN and --token-file"),
                Arguments.of(List.of("--token", "abc"), Map.of("INTERPRETERD_TOKEN_FILE", file),
                        "--token and INTERPRETERD_TOKEN_FILE"),
                Arguments.of(List.of(), Map.of("INTERPRETERD_TOKEN", "abc", "INTERPRETERD_TOKEN_FILE", file),
                        "INTERPRETERD_TOKEN and INTERPRETERD_TOKEN_FILE"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("tokensGivenTwice")
    void token_given_both_directly_and_in_a_file_is_a_usage_error(List<String> args, Map<String, String> environment,
                                                                  String named) {
        UsageException e = assertThrows(UsageException.class, () -> CommandLine.parse(args, environment));
        assertTrue(e.getMessage().startsWith(named), e.getMessage());
    }

    @Test
    void only_a_token_on_the_command_line_is_visible_to_other_users() throws IOException {
        assertTrue(parse("--token", "abc").token().orElseThrow().visibleToOtherUsers());
        assertTrue(parse("--token=abc").token().orElseThrow().visibleToOtherUsers());
        assertFalse(parseWithEnvironment(Map.of("INTERPRETERD_TOKEN", "abc")).token().orElseThrow()
                .visibleToOtherUsers());
        assertFalse(parse("--token-file", tokenFile("abc").toString()).token().orElseThrow().visibleToOtherUsers());
    }

    @Test
    void token_never_shows_in_the_configuration_as_text() {
        String text = parse("--token", "s3cret").toString();
        assertFalse(text.contains("s3cret"), text);
    }

    @ParameterizedTest(name = "--grace {0}")
    @CsvSource({"0.5, 500", "0.001, 1", "1.25, 1250", "2, 2000", "3s, 3000"})
    void durations_accept_fractions_of_a_second(String value, long millis) {
        assertEquals(Duration.ofMillis(millis), parse("--grace", value).grace());
    }

    @ParameterizedTest(name = "--max-output {0}")
    @CsvSource({"1000, 1000", "64KiB, 65536", "2MiB, 2097152", "1GiB, 1073741824"})
    void sizes_accept_binary_suffixes(String value, long bytes) {
        assertEquals(bytes, parse("--max-output", value).maxOutputBytes());
    }

    /** A new file in the temp dir holding {@code content}. */
    private static Path tokenFile(String content) throws IOException {
        return Files.writeString(Files.createTempFile(tempDir, "token", ""), content);
    }

    private static Config parse(String... args) {
        return CommandLine.parse(List.of(args), Map.of()).orElseThrow();
    }

    private static Config parseWithEnvironment(Map<String, String> environment) {
        return CommandLine.parse(List.of(), environment).orElseThrow();
    }

    private static void assertSet(Setting setting, Config config) {
        assertEquals(setting.expected(), setting.read().apply(config));
    }

    private static Arguments mistake(String named, String... args) {
        return Arguments.of(named, List.of(args));
    }

    /** The index of the line that starts with {@code --flag}, or -1. */
    private static int lineOfFlag(List<String> lines, String flag) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals("--" + flag) || lines.get(i).startsWith("--" + flag + " ")) {
                return i;
            }
        }
        return -1;
    }
}
