package io.fathom.protocol.chat;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the text between {@code <tool_call>} and {@code </tool_call>}: it must be
 * {@code {"name": string, "arguments": object}}, where arguments may also be a JSON string holding an
 * object. Missing or null arguments are read as {@code {}} (a call to a function without parameters).
 */
final class ToolCallBodyParser {

  /** The outcome of reading one body. */
  sealed interface Outcome {}

  /** A valid call; {@code argumentsJson} is the compact JSON text of the arguments object. */
  record Accepted(String name, String argumentsJson) implements Outcome {}

  /** A body that cannot be executed, with a model-facing explanation. */
  record Rejected(ParseErrorKind kind, String detail) implements Outcome {}

  /** The form the model is asked to use, as the tools preamble of the chat template words it. */
  static final String EXPECTED_FORM =
      "<tool_call>{\"name\": <function-name>, \"arguments\": <args-json-object>}</tool_call>";

  private static final int QUOTE_LIMIT = 200;
  private static final int CONTEXT_CHARS = 24;
  /** A function-name-like start of a bare body, used in the suggested form when it is short enough. */
  private static final Pattern LEADING_NAME = Pattern.compile("^[\\p{L}_][\\p{L}\\p{N}_.\\-]{0,63}(?![\\p{L}\\p{N}_.\\-])");

  /** Immutable and thread-safe; decimals are kept as written ({@code 1.10} stays {@code 1.10}). */
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private final Set<String> knownTools;

  ToolCallBodyParser(Set<String> knownTools) {
    this.knownTools = Set.copyOf(knownTools);
  }

  Outcome parse(String body) {
    String json = body.strip();
    if (json.isEmpty()) {
      return new Rejected(
          ParseErrorKind.BARE_TOOL_CALL,
          "The <tool_call></tool_call> block is empty. Write each call as " + EXPECTED_FORM + ".");
    }
    char first = json.charAt(0);
    if (first != '{' && first != '[') {
      return bare(json);
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      return malformed(json, e);
    }
    if (!root.isObject()) {
      return new Rejected(
          ParseErrorKind.MISSING_NAME,
          "The tool call is a JSON " + describe(root) + ", not an object with a \"name\". Write each call as "
              + EXPECTED_FORM + ", one call per <tool_call> block.");
    }
    JsonNode nameNode = root.get("name");
    if (nameNode == null || !nameNode.isString() || nameNode.stringValue().isBlank()) {
      String found = nameNode == null ? "no \"name\" field" : "\"name\" is " + describe(nameNode);
      return new Rejected(
          ParseErrorKind.MISSING_NAME,
          "The tool call has " + found + " (it needs the function name as a non-empty string). Write each call as "
              + EXPECTED_FORM + ".");
    }
    String name = nameNode.stringValue();
    if (!knownTools.contains(name)) {
      return new Rejected(ParseErrorKind.UNKNOWN_FUNCTION, unknownFunction(name));
    }
    return arguments(name, root.get("arguments"));
  }

  private Outcome arguments(String name, JsonNode arguments) {
    if (arguments == null || arguments.isNull()) {
      return new Accepted(name, "{}");
    }
    if (arguments.isObject()) {
      return new Accepted(name, JSON.writeValueAsString(arguments));
    }
    if (arguments.isString()) {
      JsonNode inner = parseOrNull(arguments.stringValue());
      if (inner != null && inner.isObject()) {
        return new Accepted(name, JSON.writeValueAsString(inner));
      }
      return new Rejected(
          ParseErrorKind.ARGUMENTS_NOT_OBJECT,
          "The \"arguments\" of " + name + " is a string that does not hold a JSON object: " + quote(arguments.stringValue())
              + ". Give the arguments as a JSON object, e.g. {\"name\": \"" + name + "\", \"arguments\": {\"key\": \"value\"}}.");
    }
    return new Rejected(
        ParseErrorKind.ARGUMENTS_NOT_OBJECT,
        "The \"arguments\" of " + name + " is " + describe(arguments) + ", not a JSON object. Give the arguments as a "
            + "JSON object mapping parameter names to values, e.g. {\"name\": \"" + name
            + "\", \"arguments\": {\"key\": \"value\"}}.");
  }

  private static JsonNode parseOrNull(String text) {
    try {
      return JSON.readTree(text);
    } catch (JacksonException e) {
      return null;
    }
  }

  private static Rejected bare(String json) {
    Matcher leadingName = LEADING_NAME.matcher(json);
    String example =
        leadingName.find()
            ? "<tool_call>{\"name\": \"" + leadingName.group() + "\", \"arguments\": {...}}</tool_call>"
            : EXPECTED_FORM;
    return new Rejected(
        ParseErrorKind.BARE_TOOL_CALL,
        "Found " + quote(json) + " inside <tool_call></tool_call>, which is not a JSON object. Write each call as "
            + example + ", with the arguments as a JSON object.");
  }

  private static Rejected malformed(String json, JacksonException e) {
    StringBuilder where = new StringBuilder();
    TokenStreamLocation location = e.getLocation();
    if (location != null && location.getLineNr() > 0) {
      where.append(" at line ").append(location.getLineNr()).append(", column ").append(location.getColumnNr());
      long offset = location.getCharOffset();
      if (offset >= 0 && offset <= json.length()) {
        where.append(" (near ").append(quote(context(json, (int) offset))).append(')');
      }
    }
    return new Rejected(
        ParseErrorKind.MALFORMED_JSON,
        "The tool call is not valid JSON" + where + ": " + jacksonMessage(e) + ". Write each call as "
            + EXPECTED_FORM + ", with double-quoted keys and strings and nothing after the closing brace.");
  }

  private String unknownFunction(String name) {
    String available = knownTools.isEmpty() ? "no functions are available" : "the available functions are "
        + String.join(", ", new TreeSet<>(knownTools));
    return "There is no function named " + quote(name) + "; " + available + ".";
  }

  private static String jacksonMessage(JacksonException e) {
    String message = Objects.requireNonNullElse(e.getOriginalMessage(), "unreadable input");
    int sourceNote = message.indexOf(" (start marker at");
    return sourceNote >= 0 ? message.substring(0, sourceNote) : message;
  }

  private static String context(String json, int offset) {
    int from = TextCut.boundary(json, Math.max(0, offset - CONTEXT_CHARS));
    int to = TextCut.boundary(json, Math.min(json.length(), offset + CONTEXT_CHARS));
    return (from > 0 ? "…" : "") + json.substring(from, to) + (to < json.length() ? "…" : "");
  }

  private static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT) + " value";
    };
  }

  /** The text in double quotes, shortened to {@value #QUOTE_LIMIT} characters. */
  static String quote(String text) {
    String shown = text.length() <= QUOTE_LIMIT ? text : TextCut.head(text, QUOTE_LIMIT) + "…";
    return "\"" + shown + "\"";
  }
}
