package io.fathom.protocol.template;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Shared test data: the fixture template and small message builders. */
final class Fixtures {

  static final JsonMapper JSON = JsonMapper.builder().build();

  private Fixtures() {}

  /** The text of src/test/resources/template/nanbeige_chat_template.jinja. */
  static String fixtureTemplateText() {
    try (InputStream in = Fixtures.class.getResourceAsStream("/template/nanbeige_chat_template.jinja")) {
      if (in == null) {
        throw new IllegalStateException("missing test resource template/nanbeige_chat_template.jinja");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JinjaChatTemplate fixtureTemplate(ToolArgumentsForm form) {
    return JinjaChatTemplate.of(fixtureTemplateText(), "<|im_start|>", "<|im_end|>", form);
  }

  static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  static ChatMessage system(String content) {
    return ChatMessage.system(content);
  }

  static ChatMessage user(String content) {
    return ChatMessage.user(content);
  }

  static ChatMessage assistant(String reasoning, String content, ToolCall... calls) {
    return new ChatMessage("assistant", content, reasoning, calls.length == 0 ? null : List.of(calls), null, null);
  }

  static ChatMessage tool(String id, String content) {
    return ChatMessage.tool(id, "fn", content);
  }

  static ToolCall call(String id, String name, String arguments) {
    return ToolCall.function(id, name, arguments);
  }

  static ToolSpec searchTool() {
    return ToolSpec.function(
        "search",
        "搜索网页",
        json("{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},\"required\":[\"query\"]}"));
  }

  static ToolSpec fetchTool() {
    return ToolSpec.function(
        "fetch",
        "Fetch a URL",
        json("{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\",\"description\":\"the \\\"URL\\\"\"},"
            + "\"timeout\":{\"type\":\"number\",\"default\":2.5}},\"required\":[\"url\"]}"));
  }
}
