package io.fathom.tools.repo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Typed access to one call's arguments. Every accessor checks presence and type and throws a
 * {@link RepoToolException} naming the field, so a call the schema validator let through (or one
 * that never met it) still fails with a message the model can act on.
 */
final class RepoArguments {

  private final JsonNode node;

  /** @param allowed the field names of the tool's schema; any other field is refused */
  RepoArguments(JsonNode node, Collection<String> allowed) throws RepoToolException {
    if (node == null || !node.isObject()) {
      throw RepoToolException.invalid("arguments", "must be a JSON object");
    }
    for (String name : node.propertyNames()) {
      if (!allowed.contains(name)) {
        throw RepoToolException.invalid(name, "is not a parameter of this tool (parameters: "
            + String.join(", ", allowed) + ")");
      }
    }
    this.node = node;
  }

  private Optional<JsonNode> value(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  String string(String field) throws RepoToolException {
    return optionalString(field).orElseThrow(() -> RepoToolException.invalid(field, "is required"));
  }

  Optional<String> optionalString(String field) throws RepoToolException {
    Optional<JsonNode> v = value(field);
    if (v.isPresent() && !v.get().isString()) {
      throw RepoToolException.invalid(field, "must be a string");
    }
    return v.map(JsonNode::asString);
  }

  /** A required string that is not empty. */
  String nonEmptyString(String field) throws RepoToolException {
    String s = string(field);
    if (s.isEmpty()) {
      throw RepoToolException.invalid(field, "must not be empty");
    }
    return s;
  }

  boolean bool(String field, boolean otherwise) throws RepoToolException {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return otherwise;
    }
    if (!v.get().isBoolean()) {
      throw RepoToolException.invalid(field, "must be true or false");
    }
    return v.get().booleanValue();
  }

  int integer(String field) throws RepoToolException {
    return optionalInteger(field).orElseThrow(() -> RepoToolException.invalid(field, "is required"));
  }

  Optional<Integer> optionalInteger(String field) throws RepoToolException {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(asInt(field, v.get()));
  }

  private static int asInt(String field, JsonNode v) throws RepoToolException {
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw RepoToolException.invalid(field, "must be an integer");
    }
    return v.intValue();
  }

  /** An optional array of exactly {@code size} integers. */
  Optional<int[]> integers(String field, int size) throws RepoToolException {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!v.get().isArray() || v.get().size() != size) {
      throw RepoToolException.invalid(field, "must be an array of " + size + " integers");
    }
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = asInt(field, v.get().get(i));
    }
    return Optional.of(out);
  }

  /** An optional non-empty array of strings, the first not empty (an argv). */
  Optional<List<String>> strings(String field, int maxItems) throws RepoToolException {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!v.get().isArray() || v.get().isEmpty()) {
      throw RepoToolException.invalid(field, "must be a non-empty array of strings");
    }
    if (v.get().size() > maxItems) {
      throw RepoToolException.invalid(field, "has more than " + maxItems + " items");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v.get().values()) {
      if (!item.isString()) {
        throw RepoToolException.invalid(field, "must hold only strings");
      }
      if (item.asString().indexOf('\0') >= 0) {
        throw RepoToolException.invalid(field, "must not contain NUL characters");
      }
      out.add(item.asString());
    }
    if (out.getFirst().isEmpty()) {
      throw RepoToolException.invalid(field, "must start with a program name");
    }
    return Optional.of(List.copyOf(out));
  }
}
