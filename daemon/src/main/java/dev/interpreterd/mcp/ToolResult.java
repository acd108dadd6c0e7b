package dev.interpreterd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to {@code tools/call}: what the model reads, the same as data, and whether the tool
 * failed. A failure of the tool is a result with {@code isError}, so that the model sees why and can
 * change its call; only a malformed call is a JSON-RPC error.
 *
 * @param content text and image content items, in order
 * @param structured the {@code structuredContent} object, if the tool has one
 * @param isError true when the call failed
 */
record ToolResult(List<JsonNode> content, Optional<JsonNode> structured, boolean isError) {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    ToolResult {
        content = List.copyOf(content);
        Objects.requireNonNull(structured, "structured");
    }

    /** A failed call, told in one text. */
    static ToolResult error(String text) {
        return new ToolResult(List.of(text(text)), Optional.empty(), true);
    }

    /** A text content item. */
    static JsonNode text(String text) {
        ObjectNode item = NODES.objectNode();
        item.put("type", "text");
        item.put("text", text);
        return item;
    }

    /** An image content item: base64 data and its MIME type. */
    static JsonNode image(String base64, String mimeType) {
        ObjectNode item = NODES.objectNode();
        item.put("type", "image");
        item.put("data", base64);
        item.put("mimeType", mimeType);
        return item;
    }

    /** The {@code CallToolResult} object. */
    ObjectNode toJson() {
        ObjectNode result = NODES.objectNode();
        ArrayNode items = result.putArray("content");
        content.forEach(items::add);
        structured.ifPresent(s -> result.set("structuredContent", s));
        result.put("isError", isError);
        return result;
    }
}
