package io.fathom.protocol.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.protocol.openai.ChatMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class TokenizerChatConfigTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static String config(String chatTemplateJson) {
    return "{\"bos_token\": \"<|im_start|>\", \"eos_token\": {\"content\": \"<|im_end|>\", \"special\": true}"
        + (chatTemplateJson == null ? "" : ", \"chat_template\": " + chatTemplateJson) + "}";
  }

  @Test
  void readsAStringTemplateAndBothTokenForms() {
    TokenizerChatConfig config = TokenizerChatConfig.parse(config("\"{{ bos_token }}x{{ eos_token }}\""), "tokenizer_config.json");
    assertThat(config.bosToken()).isEqualTo("<|im_start|>");
    assertThat(config.eosToken()).isEqualTo("<|im_end|>");
    assertThat(config.templates()).containsOnlyKeys("default");
    assertThat(JinjaChatTemplate.fromTokenizerConfig(config, ToolArgumentsForm.STRING)
        .render(List.of(ChatMessage.user("q")), null, false, false))
        .isEqualTo("<|im_start|>x<|im_end|>");
  }

  @Test
  void readsAListOfNamedTemplates() {
    TokenizerChatConfig config = TokenizerChatConfig.parse(
        config("[{\"name\": \"default\", \"template\": \"D\"}, {\"name\": \"tool_use\", \"template\": \"T\"}]"), "cfg");
    assertThat(config.templates().keySet()).containsExactly("default", "tool_use");
    assertThat(config.defaultTemplate()).isEqualTo("D");
    assertThat(config.template("tool_use")).isEqualTo("T");
    assertThat(JinjaChatTemplate.fromTokenizerConfig(config, "tool_use", ToolArgumentsForm.STRING)
        .render(List.of(ChatMessage.user("q")), null, false, false))
        .isEqualTo("T");
    assertThatThrownBy(() -> config.template("rag"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("there is no chat template named \"rag\"; there are: default, tool_use");
  }

  @Test
  void reportsWhatIsMissingOrMalformed() {
    assertThatThrownBy(() -> TokenizerChatConfig.parse(config(null), "tokenizer_config.json"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("tokenizer_config.json has no \"chat_template\"");
    assertThatThrownBy(() -> TokenizerChatConfig.parse(config("42"), "tokenizer_config.json"))
        .hasMessage("tokenizer_config.json \"chat_template\" must be a string or a list of {\"name\", \"template\"} objects, "
            + "not a number");
    assertThatThrownBy(() -> TokenizerChatConfig.parse(config("[{\"name\": \"default\"}]"), "tokenizer_config.json"))
        .hasMessage("tokenizer_config.json \"chat_template\"[0] \"template\" is missing");
    assertThatThrownBy(() -> TokenizerChatConfig.parse(config("[{\"template\": \"x\"}]"), "c"))
        .hasMessage("c \"chat_template\"[0] \"name\" is missing");
    assertThatThrownBy(() -> TokenizerChatConfig.parse(config("[]"), "c")).hasMessage("c \"chat_template\" is an empty list");
    assertThatThrownBy(() -> TokenizerChatConfig.parse(config("\"  \""), "c")).hasMessage("c \"chat_template\" is empty");
    assertThatThrownBy(() -> TokenizerChatConfig.parse("{\"chat_template\": \"x\", \"bos_token\": 1}", "c"))
        .hasMessage("c \"bos_token\" must be a string or an object with a \"content\" string, not a number");
    assertThatThrownBy(() -> TokenizerChatConfig.parse("{\"chat_template\": ", "c"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("c is not valid JSON: ");
    assertThatThrownBy(() -> TokenizerChatConfig.parse("[1]", "c")).hasMessage("c is not a JSON object");
    TokenizerChatConfig noDefault = TokenizerChatConfig.parse(
        config("[{\"name\": \"a\", \"template\": \"A\"}, {\"name\": \"b\", \"template\": \"B\"}]"), "c");
    assertThatThrownBy(noDefault::defaultTemplate)
        .hasMessage("there are several chat templates (a, b) and none is named \"default\"; name the one to use");
  }

  @Test
  void modelDirPrefersChatTemplateJinja(@TempDir Path dir) throws Exception {
    ObjectNode config = JSON.createObjectNode();
    config.put("bos_token", "<|im_start|>");
    config.put("eos_token", "<|im_end|>");
    config.put("chat_template", Fixtures.fixtureTemplateText());
    Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
    List<ChatMessage> messages = List.of(ChatMessage.user("q"));
    String expected = new NanbeigeChatRenderer().render(messages, null, true, false);
    assertThat(JinjaChatTemplate.fromModelDir(dir, ToolArgumentsForm.STRING).render(messages, null, true, false))
        .isEqualTo(expected);

    Files.writeString(dir.resolve("chat_template.jinja"), "{{ eos_token }}{{ messages[0].content }}");
    assertThat(JinjaChatTemplate.fromModelDir(dir, ToolArgumentsForm.STRING).render(messages, null, true, false))
        .isEqualTo("<|im_end|>q");

    // Newer model dirs keep the template only in chat_template.jinja.
    config.remove("chat_template");
    Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
    assertThat(JinjaChatTemplate.fromModelDir(dir, ToolArgumentsForm.STRING).render(messages, null, true, false))
        .isEqualTo("<|im_end|>q");
  }

  @Test
  void missingModelFilesAreNamed(@TempDir Path dir) {
    assertThatThrownBy(() -> JinjaChatTemplate.fromModelDir(dir, ToolArgumentsForm.STRING))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("cannot read " + dir.resolve("tokenizer_config.json"));
  }
}
