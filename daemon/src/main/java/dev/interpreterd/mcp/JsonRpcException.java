package dev.interpreterd.mcp;

/** A request that is answered with a JSON-RPC error: its code, and a sentence saying what to change. */
final class JsonRpcException extends Exception {

    private final int code;

    JsonRpcException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** {@link JsonRpc#INVALID_PARAMS}: the params of a known method do not fit it. */
    static JsonRpcException invalidParams(String message) {
        return new JsonRpcException(JsonRpc.INVALID_PARAMS, message);
    }

    /** The JSON-RPC error code. */
    int code() {
        return code;
    }
}
