package dev.interpreterd.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON configuration of the daemon: strict on input, plain on output. */
public final class Json {

    private Json() {
    }

    /**
     * A mapper that rejects trailing garbage, duplicate keys and non-standard JSON.
     *
     * @param maxStringChars longest string accepted, at least the body limit so no valid body is refused
     */
    public static ObjectMapper strictMapper(long maxStringChars) {
        JsonMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Exact decimals: 1e400 stays a number to range-check instead of becoming Infinity.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, Math.max(maxStringChars, 20_000_000)))
                .build());
        return mapper;
    }
}
