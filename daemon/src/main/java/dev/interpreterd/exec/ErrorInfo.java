package dev.interpreterd.exec;

import java.util.List;
import java.util.Objects;

/**
 * What went wrong, for the {@code error} field.
 *
 * @param name the exception class, e.g. {@code ZeroDivisionError}, or {@code TimeoutError} when interrupted
 * @param value the exception's message
 * @param traceback the formatted lines of the code's own frames, without the runner's
 */
public record ErrorInfo(String name, String value, List<String> traceback) {

    /** Copies the traceback. */
    public ErrorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        traceback = List.copyOf(traceback);
    }
}
