package io.fathom.protocol.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.protocol.tokenizer.BpeTokenizerJson.AddedToken;
import io.fathom.protocol.tokenizer.BpeTokenizerJson.PreProcessing;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The written documents load, and the two pre-processing styles differ where Llama tokenizers do. */
class BpeTokenizerJsonTest {

  private static final String META = BpeTokenizerJson.META;

  private static HfTokenizer tokenizer(PreProcessing preProcessing) throws Exception {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (String t : List.of("<unk>", "<s>", "</s>")) {
      vocab.put(t, vocab.size());
    }
    for (int b = 0; b < 256; b++) {
      vocab.put(String.format(Locale.ROOT, "<0x%02X>", b), vocab.size());
    }
    for (String t : List.of(META, "h", "i", META + "h", META + "hi", "hi")) {
      vocab.put(t, vocab.size());
    }
    List<String> merges = List.of(META + " h", META + "h i", "h i");
    List<AddedToken> added = List.of(new AddedToken(0, "<unk>", true), new AddedToken(1, "<s>", true),
        new AddedToken(2, "</s>", true), new AddedToken(vocab.size(), "<|im_end|>", true));
    String json = BpeTokenizerJson.write(vocab, merges, added, preProcessing);
    return HfTokenizer.load(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void bothStylesLoadAndRoundTrip() throws Exception {
    for (PreProcessing p : PreProcessing.values()) {
      HfTokenizer t = tokenizer(p);
      int metaHi = t.tokenToId(META + "hi").getAsInt();
      int hi = t.tokenToId("hi").getAsInt();
      int end = t.tokenToId("<|im_end|>").getAsInt();
      assertThat(t.encode("hi")).as("%s", p).containsExactly(metaHi);
      assertThat(t.decode(new int[] {metaHi, hi}, false)).as("%s", p).isEqualTo("hihi");
      // After an added token, only the legacy normalizer puts a meta-space in front of the next piece.
      assertThat(t.encode("<|im_end|>hi")).as("%s", p)
          .containsExactly(end, p == PreProcessing.LEGACY_PREPEND ? metaHi : hi);
      assertThat(t.encode("é")).as("meta-space and two byte tokens, %s", p).hasSize(3);
    }
  }
}
