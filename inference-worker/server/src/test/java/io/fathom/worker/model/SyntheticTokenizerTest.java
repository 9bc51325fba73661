package io.fathom.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.engine.model.ModelPresets;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SyntheticTokenizerTest {

  static HfTokenizer load(String json) throws IOException {
    return HfTokenizer.load(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void fillsExactlyThePresetsVocabularyWithChatmlAtTheEnd() throws IOException {
    for (String preset : new String[] {"tiny", "small"}) {
      int vocab = ModelPresets.named(preset).vocabSize();
      HfTokenizer t = load(SyntheticTokenizer.json(vocab));
      assertThat(t.vocabSize()).as(preset).isEqualTo(vocab);
      for (int id = 0; id < vocab; id++) {
        assertThat(t.idToToken(id)).as("id %d decodes", id).isNotNull();
      }
      assertThat(t.tokenToId("<|im_start|>").getAsInt()).isEqualTo(vocab - 7);
      assertThat(t.tokenToId("</tool_call>").getAsInt()).isEqualTo(vocab - 1);
      String text = "<|im_start|>user\nhello the weather in Paris — 東京<|im_end|>\n<think>\nok\n</think>";
      assertThat(t.decode(t.encode(text), false)).isEqualTo(text);
    }
  }

  @Test
  void nanbeigeShapeHasItsChatmlIds() throws IOException {
    HfTokenizer t = load(SyntheticTokenizer.json(166_144, DummyModels.NANBEIGE_CHATML_FIRST_ID));
    assertThat(t.vocabSize()).isEqualTo(166_144);
    assertThat(t.tokenToId("<|im_start|>").getAsInt()).isEqualTo(166_100);
    assertThat(t.tokenToId("<|im_end|>").getAsInt()).isEqualTo(166_101);
    assertThat(t.tokenToId("<think>").getAsInt()).isEqualTo(166_103);
    assertThat(t.tokenToId("</tool_call>").getAsInt()).isEqualTo(166_106);
    assertThat(t.isSpecial(166_101)).isTrue();
    assertThat(t.isSpecial(166_105)).isFalse();
    assertThat(t.idToToken(166_143)).isNotNull();
    assertThat(t.encode("system")).hasSize(1);
  }

  @Test
  void refusesAVocabularyTooSmall() {
    assertThatThrownBy(() -> SyntheticTokenizer.json(100)).isInstanceOf(IllegalArgumentException.class);
  }
}
