package dev.interpreterd.config;

/** A command-line flag or environment setting that the daemon cannot start with. */
public final class UsageException extends IllegalArgumentException {

    /** Creates the exception with a sentence that names the flag. */
    public UsageException(String message) {
        super(message);
    }
}
