package dev.interpreterd.mcp;

/** A tool argument that is missing, of the wrong type or out of range, with a sentence that names it. */
final class InvalidArgumentException extends Exception {

    InvalidArgumentException(String message) {
        super(message);
    }
}
