package io.fathom.protocol.template;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;

/**
 * Random conversations for comparing renderers, from a fixed seed: tools or none, the caller's system prompt
 * or the default, tool loops with several calls per turn, thinking as reasoning_content, inside content or
 * absent, wrapped tool responses posing as user messages, later system messages, and text full of the
 * format's own tags, Jinja-like braces, non-ASCII, surrogate pairs, quotes, backslashes and control
 * characters.
 */
final class ConversationGenerator {

  /** One generated case. */
  record Case(List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt, boolean keepAllThink) {}

  private static final String[] WORDS = {
    "hello", "world", "北京", "天气", "南北阁", "😀", "𝔘", "é", "ß", "naïve", "ĳ", "\u00a0", "\u2028", "\u3000",
    "\t", "\r\n", " ", "  ", "\"", "'", "\\", "\\n", "{{ x }}", "{% if true %}", "{#", "}}", "%}", "#}",
    "<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<|im_end|>",
    "\u0001", "\u001f", "\u007f", "a", "b", "c", "42", "-1", "0.5", "true", "null", "{", "}", "[", "]", ":", ","
  };

  private final Random random;

  ConversationGenerator(long seed) {
    this.random = new Random(seed);
  }

  Case next() {
    List<ToolSpec> tools = random.nextInt(3) == 0 ? null : tools();
    List<ChatMessage> messages = new ArrayList<>();
    if (random.nextBoolean()) {
      messages.add(ChatMessage.system(text(0, 12)));
    }
    int exchanges = 1 + random.nextInt(4);
    for (int e = 0; e < exchanges; e++) {
      messages.add(userMessage());
      int rounds = random.nextInt(4);
      for (int r = 0; r < rounds; r++) {
        int calls = 1 + random.nextInt(3);
        messages.add(assistant(calls));
        int results = random.nextInt(5) == 0 ? 1 + random.nextInt(3) : calls;
        for (int k = 0; k < results; k++) {
          messages.add(ChatMessage.tool("call_" + k, "fn", random.nextInt(8) == 0 ? null : text(0, 10)));
        }
        if (random.nextInt(10) == 0) {
          messages.add(ChatMessage.user("<tool_response>\n" + text(0, 5) + "\n</tool_response>"));
        }
      }
      if (random.nextInt(12) == 0) {
        messages.add(ChatMessage.system(text(0, 6)));
      }
      if (e < exchanges - 1 || random.nextInt(3) > 0) {
        messages.add(assistant(0));
      }
    }
    if (random.nextInt(15) == 0) {
      // A conversation that starts with tool output.
      messages.addFirst(ChatMessage.tool("t", "fn", text(0, 4)));
    }
    return new Case(messages, tools, random.nextBoolean(), random.nextInt(4) == 0);
  }

  private ChatMessage userMessage() {
    return switch (random.nextInt(12)) {
      case 0 -> ChatMessage.user(null);
      case 1 -> ChatMessage.user("<tool_response>" + text(0, 4) + "</tool_response>");
      case 2 -> ChatMessage.user("<tool_response>" + text(0, 4));
      default -> ChatMessage.user(text(0, 15));
    };
  }

  private ChatMessage assistant(int calls) {
    String reasoning =
        switch (random.nextInt(6)) {
          case 0 -> null;
          case 1 -> "";
          case 2 -> "\n" + text(0, 8) + "\n\n";
          default -> text(0, 12);
        };
    String content =
        switch (random.nextInt(7)) {
          case 0 -> null;
          case 1 -> "";
          case 2 -> "\n\n" + text(1, 6);
          case 3 -> {
            // Thinking inside the content, as some clients send it back.
            reasoning = null;
            yield (random.nextBoolean() ? "<think>" : "") + "\n" + text(0, 6) + "\n</think>\n\n" + text(0, 6);
          }
          default -> text(0, 12);
        };
    List<ToolCall> toolCalls = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      toolCalls.add(ToolCall.function("call_" + i, random.nextBoolean() ? "search" : "fetch_页面", arguments()));
    }
    return new ChatMessage("assistant", content, reasoning, toolCalls.isEmpty() ? null : toolCalls, null, null);
  }

  private String arguments() {
    return switch (random.nextInt(10)) {
      case 0 -> "{}";
      case 1 -> "not json " + text(0, 3);
      case 2 -> "[1, 2]";
      case 3 -> "\"just a string\"";
      case 4 -> "{\"q\": 1} trailing";
      case 5 -> Fixtures.JSON.writeValueAsString(jsonObject(2));
      default -> PyJson.DEFAULT.dumps(jsonObject(2));
    };
  }

  private JsonNode jsonObject(int depth) {
    var node = Fixtures.JSON.createObjectNode();
    int fields = random.nextInt(4);
    for (int i = 0; i < fields; i++) {
      String key = random.nextInt(4) == 0 ? text(1, 2) : "k" + i;
      switch (random.nextInt(depth > 0 ? 9 : 7)) {
        case 0 -> node.put(key, text(0, 5));
        case 1 -> node.put(key, random.nextInt(2001) - 1000);
        case 2 -> node.put(key, random.nextLong());
        case 3 -> node.put(key, (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(40) - 20));
        case 4 -> node.put(key, random.nextBoolean());
        case 5 -> node.putNull(key);
        case 6 -> node.put(key, new java.math.BigInteger(80, random));
        case 7 -> node.set(key, jsonObject(depth - 1));
        default -> {
          var array = node.putArray(key);
          int items = random.nextInt(4);
          for (int k = 0; k < items; k++) {
            if (random.nextBoolean()) {
              array.add(text(0, 3));
            } else {
              array.add(jsonObject(depth - 1));
            }
          }
        }
      }
    }
    return node;
  }

  private List<ToolSpec> tools() {
    List<ToolSpec> tools = new ArrayList<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      String description = random.nextInt(4) == 0 ? null : text(0, 8);
      JsonNode parameters = random.nextInt(5) == 0 ? null : schema();
      String type = random.nextInt(10) == 0 ? null : "function";
      tools.add(new ToolSpec(type, new ToolSpec.FunctionSpec(i % 2 == 0 ? "search" : "fetch_页面", description, parameters)));
    }
    return tools;
  }

  private JsonNode schema() {
    var schema = Fixtures.JSON.createObjectNode();
    schema.put("type", "object");
    var properties = schema.putObject("properties");
    int count = random.nextInt(4);
    var required = Fixtures.JSON.createArrayNode();
    for (int i = 0; i < count; i++) {
      var property = properties.putObject("p" + i);
      property.put("type", random.nextBoolean() ? "string" : "number");
      if (random.nextBoolean()) {
        property.put("description", text(0, 5));
      }
      if (random.nextBoolean()) {
        property.set("default", jsonObject(1));
      }
      if (random.nextInt(3) == 0) {
        property.put("minimum", random.nextInt(3) == 0 ? 1e-7 : random.nextDouble() * 100);
      }
      if (random.nextBoolean()) {
        required.add("p" + i);
      }
    }
    schema.set("required", required);
    return schema;
  }

  private String text(int minWords, int maxWords) {
    int words = minWords + random.nextInt(maxWords - minWords + 1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < words; i++) {
      out.append(WORDS[random.nextInt(WORDS.length)]);
      if (random.nextInt(3) == 0) {
        out.append(' ');
      }
    }
    return out.toString();
  }
}
