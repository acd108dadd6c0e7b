package dev.interpreterd;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code openapi.yaml}, read once, with the look-ups the tests make in it and its schema checker. */
public final class OpenApiDocument {

    private final JsonNode root;
    private final SchemaChecker checker;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
        this.checker = new SchemaChecker(root);
    }

    /** Reads and parses the document. */
    public static OpenApiDocument read(Path file) throws IOException {
        return new OpenApiDocument(new ObjectMapper(new YAMLFactory()).readTree(file.toFile()));
    }

    /** The whole document. */
    public JsonNode root() {
        return root;
    }

    /** The problems of {@code value} against {@code schema}; empty when it matches. */
    public List<String> check(JsonNode schema, JsonNode value) {
        return checker.check(schema, value);
    }

    /** Follows {@code $ref}s to local components until a node without one. */
    public JsonNode resolve(JsonNode node) {
        return checker.resolve(node);
    }

    /** The response object at a JSON pointer into the document, its reference followed; fails when absent. */
    public JsonNode response(String pointer) {
        JsonNode response = root.at(pointer);
        assertFalse(response.isMissingNode(), "openapi.yaml has nothing at " + pointer);
        return checker.resolve(response);
    }

    /** The schema of one media type of the response at {@code responsePointer}, unresolved; fails when absent. */
    public JsonNode schema(String responsePointer, String mediaType) {
        JsonNode schema = response(responsePointer).path("content").path(mediaType).path("schema");
        assertFalse(schema.isMissingNode(), "openapi.yaml has no " + mediaType + " schema at " + responsePointer);
        return schema;
    }

    /** The name of every property of {@code schema}, nested ones too, that none of {@code values} has. */
    public List<String> missingProperties(JsonNode schema, List<JsonNode> values, String where) {
        List<String> missing = new ArrayList<>();
        addMissingProperties(checker.resolve(schema), values, where, missing);
        return missing;
    }

    /** The problems of every example in the document against the schema beside it. */
    public List<String> problemsOfExamples() {
        List<String> problems = new ArrayList<>();
        // Media types and headers are the objects with a "schema"; only media types carry examples here.
        for (JsonNode content : root.findParents("schema")) {
            examplesOf(content).forEach(example -> problems.addAll(checker.check(content.get("schema"), example)));
        }
        return problems;
    }

    private void addMissingProperties(JsonNode schema, List<JsonNode> values, String where, List<String> missing) {
        for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
            List<JsonNode> seen = values.stream().filter(v -> v.isObject() && v.has(property.getKey()))
                    .map(v -> v.get(property.getKey())).toList();
            if (seen.isEmpty()) {
                missing.add(where + "." + property.getKey());
            }
            addMissingProperties(checker.resolve(property.getValue()), seen.stream().filter(v -> !v.isNull()).toList(),
                    where + "." + property.getKey(), missing);
        }
    }

    private static List<JsonNode> examplesOf(JsonNode content) {
        List<JsonNode> examples = new ArrayList<>();
        if (content.has("example")) {
            examples.add(content.get("example"));
        }
        content.path("examples").forEach(example -> examples.add(example.get("value")));
        return examples;
    }
}
