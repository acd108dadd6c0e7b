package dev.interpreterd.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The bearer token and where it was given. Where matters: every user of the machine can read a
 * command line, so a token given with {@code --token} is one the daemon warns about.
 *
 * @param value the token: printable ASCII without spaces, as it travels in an HTTP header
 * @param origin where it was given
 * @param file the regular file it was read from, by its real path, which the code must not read; empty
 *             for a token given otherwise or read from something else (a pipe)
 */
public record Token(String value, Origin origin, Optional<Path> file) {

    /** Most bytes read from a token file; a token travels in one HTTP header. */
    static final int MAX_FILE_BYTES = 4096;

    /** Where a token was given. */
    public enum Origin {
        /** {@code --token} on the command line, which every user can read in {@code ps}. */
        COMMAND_LINE("--token"),
        /** {@code INTERPRETERD_TOKEN} in the daemon's environment. */
        ENVIRONMENT("--token"),
        /** A file named by {@code --token-file} or {@code INTERPRETERD_TOKEN_FILE}. */
        FILE("--token-file");

        private final String flag;

        Origin(String flag) {
            this.flag = flag;
        }
    }

    /** Checks that the token can travel in an HTTP header; the message names the flag. */
    public Token {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(file, "file");
        if (!isValid(value)) {
            throw new UsageException(origin.flag + " must be printable ASCII without spaces, as the token travels"
                    + " in an HTTP header");
        }
    }

    /** A token that was not read from a file. */
    public Token(String value, Origin origin) {
        this(value, origin, Optional.empty());
    }

    /** True when every user of the machine can read the token, in the daemon's command line. */
    public boolean visibleToOtherUsers() {
        return origin == Origin.COMMAND_LINE;
    }

    /** Shows where the token came from, never the token. */
    @Override
    public String toString() {
        return "Token[origin=" + origin + "]";
    }

    /**
     * Reads the token from a file holding it alone, a trailing newline allowed. A pipe works too
     * (e.g. {@code --token-file <(pass show interpreterd)}), so the file is read, not checked for its type.
     *
     * @throws UsageException naming --token-file when the file is missing, unreadable or holds no valid token
     */
    static Token readFile(String name) {
        String token = withoutLineEnd(read(name));
        if (token.isEmpty()) {
            throw new UsageException("--token-file " + name + " is empty; it must hold the token");
        }
        if (!isValid(token)) {
            throw new UsageException("--token-file " + name + " must hold the token alone on one line, printable"
                    + " ASCII without spaces, as it travels in an HTTP header");
        }
        return new Token(token, Origin.FILE, regularFile(name));
    }

    /** The real path of the file when it is a regular one; a pipe or a device is nothing to hide. */
    private static Optional<Path> regularFile(String name) {
        try {
            Path real = Path.of(name).toRealPath();
            return Files.isRegularFile(real) ? Optional.of(real) : Optional.empty();
        } catch (IOException | InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static String read(String name) {
        if (name.isBlank()) {
            throw new UsageException("--token-file needs the path of a file that holds the token");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(Path.of(name))) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (InvalidPathException e) {
            throw new UsageException("--token-file " + name + " is not a valid path");
        } catch (NoSuchFileException e) {
            throw new UsageException("--token-file " + name + " does not exist");
        } catch (AccessDeniedException e) {
            throw new UsageException("--token-file " + name + " is not readable by the daemon's user");
        } catch (IOException e) {
            throw new UsageException("--token-file " + name + " cannot be read: " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new UsageException("--token-file " + name + " is longer than " + MAX_FILE_BYTES
                    + " bytes; it must hold the token alone");
        }
        // Invalid UTF-8 becomes U+FFFD, which the check of the token refuses.
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The text without one trailing newline, as editors and {@code echo} leave one. */
    private static String withoutLineEnd(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    private static boolean isValid(String token) {
        return !token.isEmpty() && token.chars().allMatch(c -> c > ' ' && c < 127);
    }
}
