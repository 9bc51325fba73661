package io.fathom.protocol.template;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a tool call's {@code arguments} (JSON text in the OpenAI wire format) reach the template, which writes
 * a string verbatim and anything else with {@code tojson}.
 */
public enum ToolArgumentsForm {

  /** As the string it is: the template writes the text verbatim (Hugging Face with string arguments). */
  STRING,

  /**
   * Parsed: when the text is a JSON object, the template gets the object and writes it like Python's
   * {@code json.dumps} ({@code {"a": 1}}), as servers that parse arguments before templating do (e.g. vLLM);
   * other text (invalid JSON, or JSON that is not an object) stays a string and is written verbatim.
   */
  OBJECT;

  /** Python's json.loads: floats as doubles, nothing after the value. Immutable, thread-safe. */
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  /** What the template gets for these arguments: the text itself, or (OBJECT) the parsed object node. */
  Object templateValue(String arguments) {
    if (this == STRING) {
      return arguments;
    }
    try {
      JsonNode node = JSON.readTree(arguments);
      return node != null && node.isObject() ? node : arguments;
    } catch (JacksonException e) {
      return arguments;
    }
  }
}
