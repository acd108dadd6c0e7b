package dev.interpreterd.exec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How an execution ended, as the {@code status} field of the response. */
public enum Status {
    /** The code ran to its end. */
    OK,
    /** An uncaught exception ended the code. */
    ERROR,
    /** The code called sys.exit(), exit() or os._exit(). */
    EXIT,
    /** The daemon stopped the code: its timeout fired or the daemon is shutting down. */
    INTERRUPTED,
    /** A signal the daemon did not send ended the code. */
    KILLED;

    /** The lower-case name used in JSON and logs. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
