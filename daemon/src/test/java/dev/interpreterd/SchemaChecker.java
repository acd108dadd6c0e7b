package dev.interpreterd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a JSON value against the subset of JSON Schema that openapi.yaml uses: type (also a list
 * with "null"), const, enum, pattern, required, properties, additionalProperties, items, local $ref,
 * and oneOf, with or without an OpenAPI discriminator. A schema with any other structural keyword is
 * refused rather than passed unchecked.
 */
public final class SchemaChecker {

    private static final Set<String> UNSUPPORTED = Set.of("allOf", "anyOf", "not", "if", "then",
            "else", "patternProperties", "prefixItems", "$dynamicRef", "dependentSchemas", "contains");

    private final JsonNode document;

    public SchemaChecker(JsonNode document) {
        this.document = document;
    }

    /** The problems of {@code value}, each naming where it is; empty when it matches. */
    public List<String> check(JsonNode schema, JsonNode value) {
        List<String> problems = new ArrayList<>();
        check(schema, value, "$", problems);
        return problems;
    }

    /** Follows {@code $ref}s to local components until a node without one. */
    public JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException("only local references are supported: " + ref);
            }
            node = document.at(ref.substring(1));
            if (node.isMissingNode()) {
                throw new IllegalArgumentException("dangling reference " + ref);
            }
        }
        return node;
    }

    private void check(JsonNode schemaOrRef, JsonNode value, String where, List<String> problems) {
        JsonNode schema = resolve(schemaOrRef);
        UNSUPPORTED.stream().filter(schema::has).findAny().ifPresent(keyword -> {
            throw new IllegalArgumentException("the checker does not understand '" + keyword + "' at " + where);
        });
        if (schema.has("type") && !hasType(schema.get("type"), value)) {
            problems.add(where + " should be of type " + schema.get("type") + " but is " + value);
            return;
        }
        if (schema.has("oneOf")) {
            checkOneOf(schema, value, where, problems);
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            problems.add(where + " should be " + schema.get("const") + " but is " + value);
        }
        if (schema.has("enum") && !contains(schema.get("enum"), value)) {
            problems.add(where + " should be one of " + schema.get("enum") + " but is " + value);
        }
        if (schema.has("pattern") && value.isTextual()
                && !Pattern.compile(schema.get("pattern").asText()).matcher(value.textValue()).find()) {
            problems.add(where + " should match " + schema.get("pattern") + " but is " + value);
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), where + "[" + i + "]", problems);
            }
        }
        if (value.isObject()) {
            checkObject(schema, value, where, problems);
        }
    }

    /**
     * With a discriminator, the value's property names its branch through the mapping; without one,
     * exactly one branch must match.
     */
    private void checkOneOf(JsonNode schema, JsonNode value, String where, List<String> problems) {
        JsonNode branches = schema.get("oneOf");
        if (schema.has("discriminator")) {
            String property = schema.at("/discriminator/propertyName").asText();
            JsonNode name = value.path(property);
            JsonNode ref = schema.at("/discriminator/mapping").path(name.asText());
            if (!name.isTextual() || ref.isMissingNode()) {
                problems.add(where + "." + property + " should be one of "
                        + fieldNames(schema.at("/discriminator/mapping")) + " but is " + name);
                return;
            }
            JsonNode branch = branchWithRef(branches, ref.asText(), where);
            check(branch, value, where, problems);
            return;
        }
        List<String> failures = new ArrayList<>();
        int matching = 0;
        for (JsonNode branch : branches) {
            List<String> own = new ArrayList<>();
            check(branch, value, where, own);
            matching += own.isEmpty() ? 1 : 0;
            failures.addAll(own);
        }
        if (matching != 1) {
            problems.add(where + " should match exactly one of oneOf but matches " + matching
                    + (matching == 0 ? ": " + failures : ""));
        }
    }

    private static JsonNode branchWithRef(JsonNode branches, String ref, String where) {
        for (JsonNode branch : branches) {
            if (ref.equals(branch.path("$ref").asText())) {
                return branch;
            }
        }
        throw new IllegalArgumentException("the discriminator at " + where + " maps to " + ref
                + ", which is not one of its oneOf branches");
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private void checkObject(JsonNode schema, JsonNode value, String where, List<String> problems) {
        schema.path("required").forEach(name -> {
            if (!value.has(name.asText())) {
                problems.add(where + " lacks the required property '" + name.asText() + "'");
            }
        });
        JsonNode additional = schema.path("additionalProperties");
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            String path = where + "." + field.getKey();
            if (schema.path("properties").has(field.getKey())) {
                check(schema.path("properties").get(field.getKey()), field.getValue(), path, problems);
            } else if (additional.isObject()) {
                check(additional, field.getValue(), path, problems);
            } else if (additional.isBoolean() && !additional.booleanValue()) {
                problems.add(where + " has the property '" + field.getKey() + "', which the schema does not list");
            }
        }
    }

    private static boolean hasType(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode one : type) {
                if (hasType(one, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            case "number" -> value.isNumber();
            // JSON Schema counts 3.0 as an integer, as Python and JavaScript clients do.
            case "integer" -> value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0;
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }

    private static boolean contains(JsonNode options, JsonNode value) {
        for (JsonNode option : options) {
            if (option.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
