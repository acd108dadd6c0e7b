package dev.interpreterd.exec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A rich output of the code, as a notebook would show it.
 *
 * @param type {@code result} for the value of the final expression, {@code display} for display()
 *             calls and matplotlib figures
 * @param data a MIME bundle: MIME type to payload, always with {@code text/plain}; binary payloads
 *             such as {@code image/png} are base64
 */
public record Output(String type, JsonNode data) {

    /** Rejects missing values. */
    public Output {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** Characters of all payloads together, which is what the results cap counts. */
    long size() {
        long size = 0;
        for (JsonNode payload : data) {
            size += payload.isTextual() ? payload.textValue().length() : payload.toString().length();
        }
        return size;
    }
}
