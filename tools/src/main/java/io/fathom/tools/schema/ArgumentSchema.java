package io.fathom.tools.schema;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A compiled JSON Schema for a tool's arguments. Only self-contained schemas are accepted: a
 * {@code $ref} must point inside the document ({@code #...}), so compiling never fetches anything.
 */
public final class ArgumentSchema {

  /** Limits that keep a hostile schema cheap. */
  public static final int MAX_DEPTH = 32;

  public static final int MAX_NODES = 10_000;

  private final Schema schema;

  private ArgumentSchema(Schema schema) {
    this.schema = schema;
  }

  /**
   * Compiles {@code node} as an argument schema with {@code registry} (see {@link #newRegistry()}).
   *
   * @throws InvalidSchemaException naming what is wrong
   */
  public static ArgumentSchema compile(SchemaRegistry registry, JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new InvalidSchemaException("must be a JSON object (a JSON Schema)");
    }
    JsonNode type = node.get("type");
    if (type != null && !(type.isString() && type.asString().equals("object"))) {
      throw new InvalidSchemaException("'type' must be \"object\": tool arguments are a JSON object");
    }
    checkSelfContained(node, "", 0, new int[] {0});
    try {
      Schema schema = registry.getSchema(node);
      schema.initializeValidators(); // resolves every reference now: a dangling one fails here
      return new ArgumentSchema(schema);
    } catch (RuntimeException e) {
      throw new InvalidSchemaException("is not a valid JSON Schema: " + e.getMessage());
    }
  }

  private static void checkSelfContained(JsonNode node, String path, int depth, int[] count) {
    if (++count[0] > MAX_NODES) {
      throw new InvalidSchemaException("has more than " + MAX_NODES + " nodes");
    }
    if (depth > MAX_DEPTH) {
      throw new InvalidSchemaException("is nested deeper than " + MAX_DEPTH + " levels at " + path);
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String key = field.getKey();
        JsonNode value = field.getValue();
        if ((key.equals("$ref") || key.equals("$dynamicRef") || key.equals("$recursiveRef"))
            && !(value.isString() && value.asString().startsWith("#"))) {
          throw new InvalidSchemaException(
              "has a non-local " + key + " at " + path + "/" + key + ": only '#...' references are allowed");
        }
        checkSelfContained(value, path + "/" + key, depth + 1, count);
      }
    } else if (node.isArray()) {
      int i = 0;
      for (Iterator<JsonNode> it = node.iterator(); it.hasNext(); i++) {
        checkSelfContained(it.next(), path + "/" + i, depth + 1, count);
      }
    }
  }

  /** A registry for draft 2020-12 schemas; its caches belong to its owner. */
  public static SchemaRegistry newRegistry() {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  }

  /** Validates {@code arguments}; an empty list means valid. */
  public List<String> validate(JsonNode arguments) {
    List<String> problems = new ArrayList<>();
    try {
      for (Error error : schema.validate(arguments)) {
        problems.add(error.toString());
      }
    } catch (RuntimeException e) {
      problems.add("the tool's schema cannot be applied: " + e.getMessage());
    }
    return problems;
  }
}
