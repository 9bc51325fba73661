package io.fathom.tools.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.SchemaRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ArgumentSchemaTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final SchemaRegistry registry = ArgumentSchema.newRegistry();

  private static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  private ArgumentSchema compile(String schema) {
    return ArgumentSchema.compile(registry, json(schema));
  }

  private static final String WEATHER =
      """
      {
        "type": "object",
        "properties": {
          "city": {"type": "string"},
          "days": {"type": "integer", "minimum": 1}
        },
        "required": ["city"],
        "additionalProperties": false
      }
      """;

  @Test
  void validArgumentsHaveNoProblems() {
    ArgumentSchema schema = compile(WEATHER);

    assertThat(schema.validate(json("{\"city\": \"Oslo\", \"days\": 3}"))).isEmpty();
    assertThat(schema.validate(json("{\"city\": \"Oslo\"}"))).isEmpty();
  }

  @Test
  void missingRequiredPropertyIsReported() {
    assertThat(compile(WEATHER).validate(json("{\"days\": 3}")))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("city"));
  }

  @Test
  void wrongTypeIsReported() {
    assertThat(compile(WEATHER).validate(json("{\"city\": 42}")))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("city"));
    assertThat(compile(WEATHER).validate(json("{\"city\": \"Oslo\", \"days\": \"three\"}")))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("days"));
  }

  @Test
  void keywordsBeyondTypeAreEnforced() {
    assertThat(compile(WEATHER).validate(json("{\"city\": \"Oslo\", \"days\": 0}")))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("days"));
  }

  @Test
  void additionalPropertyIsReported() {
    assertThat(compile(WEATHER).validate(json("{\"city\": \"Oslo\", \"country\": \"NO\"}")))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("country"));
  }

  @Test
  void nonObjectArgumentsAreReported() {
    assertThat(compile(WEATHER).validate(json("[\"Oslo\"]"))).isNotEmpty();
  }

  @Test
  void schemaWithoutTypeIsAccepted() {
    ArgumentSchema schema = compile("{\"properties\": {\"q\": {\"type\": \"string\"}}}");

    assertThat(schema.validate(json("{\"q\": \"x\"}"))).isEmpty();
    assertThat(schema.validate(json("{\"q\": 1}"))).isNotEmpty();
  }

  @Test
  void refusesNonObjectSchemas() {
    for (String text : new String[] {"[]", "true", "\"object\"", "42", "null"}) {
      assertThatThrownBy(() -> compile(text))
          .as(text)
          .isInstanceOf(InvalidSchemaException.class)
          .hasMessageContaining("JSON object");
    }
    assertThatThrownBy(() -> ArgumentSchema.compile(registry, null))
        .isInstanceOf(InvalidSchemaException.class);
  }

  @Test
  void refusesTypesOtherThanObject() {
    for (String type : new String[] {"\"string\"", "\"array\"", "[\"object\"]", "[\"object\", \"null\"]"}) {
      assertThatThrownBy(() -> compile("{\"type\": " + type + "}"))
          .as(type)
          .isInstanceOf(InvalidSchemaException.class)
          .hasMessageContaining("'type' must be \"object\"");
    }
  }

  @Test
  void refusesRemoteRefAtTheTop() {
    assertThatThrownBy(() -> compile("{\"type\": \"object\", \"$ref\": \"https://example.com/s.json\"}"))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("non-local $ref")
        .hasMessageContaining("/$ref");
  }

  @Test
  void refusesRemoteRefNestedInProperties() {
    String schema =
        """
        {"type": "object",
         "properties": {"a": {"type": "object",
                              "properties": {"b": {"$ref": "http://127.0.0.1:1/x.json#/y"}}}}}
        """;

    assertThatThrownBy(() -> compile(schema))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("non-local $ref")
        .hasMessageContaining("/properties/a/properties/b/$ref");
  }

  @Test
  void refusesRelativeAndNonStringRefs() {
    assertThatThrownBy(() -> compile("{\"$ref\": \"other.json\"}"))
        .isInstanceOf(InvalidSchemaException.class);
    assertThatThrownBy(() -> compile("{\"allOf\": [{\"$ref\": \"file:///etc/passwd\"}]}"))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("/allOf/0/$ref");
    assertThatThrownBy(() -> compile("{\"$ref\": 5}")).isInstanceOf(InvalidSchemaException.class);
  }

  @Test
  void refusesNonLocalDynamicAndRecursiveRefs() {
    assertThatThrownBy(() -> compile("{\"$dynamicRef\": \"https://example.com/meta#meta\"}"))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("$dynamicRef");
    assertThatThrownBy(() -> compile("{\"$recursiveRef\": \"https://example.com/x\"}"))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("$recursiveRef");
  }

  @Test
  void localDefsRefIsAcceptedAndEnforced() {
    String text =
        """
        {"type": "object",
         "$defs": {"unit": {"type": "string", "enum": ["C", "F"]}},
         "properties": {"unit": {"$ref": "#/$defs/unit"}},
         "required": ["unit"]}
        """;
    ArgumentSchema schema = compile(text);

    assertThat(schema.validate(json("{\"unit\": \"C\"}"))).isEmpty();
    assertThat(schema.validate(json("{\"unit\": \"K\"}")))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("unit"));
    assertThat(schema.validate(json("{\"unit\": 1}"))).isNotEmpty();
  }

  @Test
  void refusesADanglingLocalRefAtCompileTime() {
    assertThatThrownBy(() -> compile("{\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"#/$defs/missing\"}}}"))
        .isInstanceOf(InvalidSchemaException.class);
  }

  @Test
  void refusesNestingDeeperThanTheLimit() {
    assertThatThrownBy(() -> compile(nestedNot(ArgumentSchema.MAX_DEPTH + 1)))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("nested deeper than " + ArgumentSchema.MAX_DEPTH);
    assertThatThrownBy(() -> compile(nestedNot(200))).isInstanceOf(InvalidSchemaException.class);
  }

  @Test
  void acceptsNestingUpToTheLimit() {
    // The innermost {} sits at depth MAX_DEPTH: the deepest allowed.
    assertThatCode(() -> compile(nestedNot(ArgumentSchema.MAX_DEPTH))).doesNotThrowAnyException();
  }

  @Test
  void arraysCountTowardsTheDepth() {
    StringBuilder s = new StringBuilder();
    int levels = ArgumentSchema.MAX_DEPTH; // each allOf level adds two: the key and the array
    for (int i = 0; i < levels; i++) {
      s.append("{\"allOf\": [");
    }
    s.append("{}");
    for (int i = 0; i < levels; i++) {
      s.append("]}");
    }
    assertThatThrownBy(() -> compile(s.toString()))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("/allOf/0/allOf/0");
  }

  @Test
  void refusesSchemasWithTooManyNodes() {
    StringBuilder s = new StringBuilder("{\"type\": \"object\", \"properties\": {");
    for (int i = 0; i < ArgumentSchema.MAX_NODES; i++) {
      s.append(i == 0 ? "" : ",").append("\"p").append(i).append("\": {}");
    }
    s.append("}}");

    assertThatThrownBy(() -> compile(s.toString()))
        .isInstanceOf(InvalidSchemaException.class)
        .hasMessageContaining("more than " + ArgumentSchema.MAX_NODES + " nodes");
  }

  /** {@code {"not": {"not": ... {} }}} with the innermost {} at {@code depth}. */
  private static String nestedNot(int depth) {
    return "{\"not\": ".repeat(depth) + "{}" + "}".repeat(depth);
  }
}
