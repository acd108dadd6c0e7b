package dev.interpreterd.http;

/** A request the daemon refuses, with the HTTP status and the JSON error it answers with. */
final class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** 400 with {@code invalid_request}: a field is missing, of the wrong type or out of range. */
    static ApiException invalid(String message) {
        return new ApiException(400, "invalid_request", message);
    }

    int status() {
        return status;
    }

    /** The body: {@code {"error": code, "message": sentence}}. */
    ErrorBody body() {
        return new ErrorBody(code, getMessage());
    }

    /** The JSON shape of every error answer. */
    record ErrorBody(String error, String message) {
    }
}
