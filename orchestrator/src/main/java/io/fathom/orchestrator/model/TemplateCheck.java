package io.fathom.orchestrator.model;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import io.fathom.protocol.template.JinjaChatTemplate;
import io.fathom.protocol.template.NanbeigeChatRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether a model directory's own chat template (in {@code tokenizer_config.json} or {@code
 * chat_template.jinja}) renders a tool loop exactly as the built-in Nanbeige renderer that the
 * token ledger uses does. Token prompts are right only for a model whose template agrees; a probe
 * conversation (a caller's system prompt, tools, reasoning, a tool call, a tool response, a second
 * turn) is rendered both ways and compared.
 */
final class TemplateCheck {

  private TemplateCheck() {}

  /** Empty when they agree (or the directory has no template); else where they first differ. */
  static Optional<String> disagreement(Path modelDir) {
    if (!Files.isRegularFile(modelDir.resolve("tokenizer_config.json")) && !Files.isRegularFile(modelDir.resolve("chat_template.jinja"))) {
      return Optional.empty();
    }
    NanbeigeChatRenderer builtIn = new NanbeigeChatRenderer();
    JinjaChatTemplate own;
    try {
      own = JinjaChatTemplate.fromModelDir(modelDir, builtIn.argumentsForm());
    } catch (RuntimeException e) {
      return Optional.of("its chat template cannot be read: " + e.getMessage());
    }
    JsonMapper json = JsonMapper.builder().build();
    List<ToolSpec> tools =
        List.of(ToolSpec.function("search", "Search the web", json.readTree("{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}")));
    ChatMessage assistant =
        new ChatMessage("assistant", "Let me look.", "The user wants a fact.",
            List.of(ToolCall.function("call_1", "search", "{\"query\": \"capital of France\"}")), null, null);
    List<ChatMessage> conversation =
        List.of(
            ChatMessage.system("You answer questions."),
            ChatMessage.user("What is the capital of France?"),
            assistant,
            ChatMessage.tool("call_1", "search", "Paris is the capital of France."));
    String expected;
    String actual;
    try {
      expected = builtIn.render(conversation, tools, true, false);
      actual = own.render(conversation, tools, true, false);
    } catch (RuntimeException e) {
      return Optional.of("its chat template fails on a tool loop: " + e.getMessage());
    }
    if (expected.equals(actual)) {
      return Optional.empty();
    }
    int at = 0;
    while (at < Math.min(expected.length(), actual.length()) && expected.charAt(at) == actual.charAt(at)) {
      at++;
    }
    return Optional.of(
        "its chat template renders a tool loop differently from the built-in Nanbeige renderer, first at char " + at
            + ": expected \"" + excerpt(expected, at) + "\", the template gives \"" + excerpt(actual, at) + "\"");
  }

  private static String excerpt(String s, int at) {
    return s.substring(Math.max(0, at - 20), Math.min(s.length(), at + 40)).replace("\n", "\\n");
  }
}
