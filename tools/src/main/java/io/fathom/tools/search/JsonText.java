package io.fathom.tools.search;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON document as readable text: each object key becomes a Markdown heading one level deeper than its
 * parent's (at most six), scalar values become lines, a key named {@code text} or {@code value} prints its
 * value under the parent's heading, array items follow one another. The title is a top-level {@code title} or
 * {@code name} string when there is one. Nesting deeper than {@link #MAX_DEPTH} is cut, as is the JSON
 * parser's own limit on sizes.
 */
final class JsonText {

  static final int MAX_DEPTH = 64;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private JsonText() {}

  static ExtractedDocument extract(String name, String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new SkippedDocument("malformed JSON: " + e.getOriginalMessage());
    }
    StringBuilder out = new StringBuilder();
    write(root, 0, out);
    String title = "";
    for (String key : new String[] {"title", "name"}) {
      if (title.isEmpty() && root.path(key).isString()) {
        title = root.path(key).asString().strip();
      }
    }
    return new ExtractedDocument(title.isEmpty() ? name : title, out.toString().strip());
  }

  private static void write(JsonNode node, int depth, StringBuilder out) {
    if (depth > MAX_DEPTH) {
      return;
    }
    if (node.isObject()) {
      for (var entry : node.properties()) {
        String key = entry.getKey();
        JsonNode value = entry.getValue();
        if ((key.equals("text") || key.equals("value")) && value.isValueNode()) {
          out.append(value.asString()).append('\n');
        } else if (value.isValueNode()) {
          out.append(key).append(": ").append(value.asString()).append('\n');
        } else {
          out.append('\n').append("#".repeat(Math.min(6, depth + 1))).append(' ').append(key).append('\n');
          write(value, depth + 1, out);
        }
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        write(item, depth, out);
      }
    } else if (!node.isNull() && !node.isMissingNode()) {
      out.append(node.asString()).append('\n');
    }
  }
}
