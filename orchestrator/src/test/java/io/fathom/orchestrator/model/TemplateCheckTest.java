package io.fathom.orchestrator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class TemplateCheckTest {

  /** The Nanbeige template fixture, written from the model's documented chat format (protocol tests). */
  private static final Path FIXTURE = Path.of("../inference-worker/protocol/src/test/resources/template/nanbeige_chat_template.jinja");

  @TempDir Path dir;

  private void tokenizerConfig(String template) throws Exception {
    String config = JsonMapper.builder().build().writeValueAsString(
        java.util.Map.of("chat_template", template, "bos_token", "<s>", "eos_token", "<|im_end|>"));
    Files.writeString(dir.resolve("tokenizer_config.json"), config);
  }

  @Test
  void theModelsOwnTemplateAgreesWithTheBuiltInRenderer() throws Exception {
    tokenizerConfig(Files.readString(FIXTURE));
    assertThat(TemplateCheck.disagreement(dir)).isEmpty();
  }

  @Test
  void anotherTemplateIsFoundOutWithWhereItDiffers() throws Exception {
    tokenizerConfig("{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}"
        + "{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}");
    assertThat(TemplateCheck.disagreement(dir)).hasValueSatisfying(m -> assertThat(m).contains("first at char"));
  }

  @Test
  void aDirectoryWithoutATemplateHasNothingToCheck() {
    assertThat(TemplateCheck.disagreement(dir)).isEmpty();
  }
}
