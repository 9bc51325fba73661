package io.fathom.protocol.tokenizer;

import static io.fathom.protocol.tokenizer.HandVocab.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HfTokenizerDecodeTest {

  private final HfTokenizer llama = HandVocab.builder().llamaNormalizer().build();
  private final HfTokenizer first = HandVocab.builder().metaspace("first", false).build();

  @Test
  void decodeReplacesMetaspaceAndStripsTheLeadingSpace() {
    assertThat(llama.decode(new int[] {META_H, EL, LO, META_WORLD}, false)).isEqualTo("hello world");
    assertThat(llama.decode(new int[] {SPACE, A, META4, B}, false)).isEqualTo("a    b");
    // only one leading space is stripped
    assertThat(llama.decode(new int[] {META2, X}, false)).isEqualTo(" x");
  }

  @Test
  void decodeMergesByteFallbackTokensIntoUtf8() {
    assertThat(first.decode(new int[] {SPACE, NI, byteId(0xE5), byteId(0xA5), byteId(0xBD)}, false))
        .isEqualTo("你好");
    assertThat(first.decode(new int[] {META_HI, SPACE, byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80)}, false))
        .isEqualTo("hi 😀");
    assertThat(first.decode(new int[] {SPACE, X, byteId('\n'), byteId('\t')}, false)).isEqualTo("x\n\t");
  }

  @Test
  void invalidBytesBecomeReplacementCharacters() {
    assertThat(first.decode(new int[] {A, byteId(0xFF), A}, false)).isEqualTo("a\uFFFDa");
    assertThat(first.decode(new int[] {A, byteId(0xF0), byteId(0x9F), A}, false)).isEqualTo("a\uFFFDa");
    assertThat(first.decode(new int[] {A, byteId(0xF0), byteId(0x9F)}, false)).isEqualTo("a\uFFFD");
    assertThat(first.decode(new int[] {A, byteId(0xE0), byteId(0x80)}, false)).isEqualTo("a\uFFFD\uFFFD");
  }

  @Test
  void skipSpecialDropsSpecialTokensButKeepsThinkAndToolCall() {
    int[] ids = first.encode("<|im_start|>assistant\n<think>hi</think><tool_call>x</tool_call><|im_end|>");
    assertThat(ids).startsWith(IM_START).endsWith(IM_END).contains(THINK, THINK_END, TOOL_CALL, TOOL_CALL_END);
    assertThat(first.decode(ids, true)).isEqualTo("assistant\n<think>hi</think><tool_call>x</tool_call>");
    assertThat(first.decode(ids, false))
        .isEqualTo("<|im_start|>assistant\n<think>hi</think><tool_call>x</tool_call><|im_end|>");
    assertThat(first.decode(new int[] {BOS, A, EOS, UNK}, true)).isEqualTo("a");
  }

  @Test
  void stripAppliesToTheFirstDecodedTextAfterSkippedSpecialTokens() {
    // the legacy Prepend normalizer leaves "▁user" after <|im_start|>
    int[] ids = llama.encode("<|im_start|>user");
    assertThat(ids).containsExactly(IM_START, META_USER);
    assertThat(llama.decode(ids, true)).isEqualTo("user");
    assertThat(llama.decode(ids, false)).isEqualTo("<|im_start|> user");
  }

  @Test
  void unknownIdIsRejectedWithItsValue() {
    assertThatThrownBy(() -> first.decode(new int[] {A, 305}, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("305")
        .hasMessageContaining("0..304");
    assertThatThrownBy(() -> first.decode(new int[] {-1}, false)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void metaspaceDecoderRemovesTheMetaspaceOfTheFirstToken() {
    HfTokenizer t =
        HandVocab.builder()
            .metaspace("always", true)
            .decoder(Map.of("type", "Metaspace", "replacement", "▁", "prepend_scheme", "always"))
            .build();
    assertThat(t.decode(new int[] {META_H, EL, LO, META_WORLD}, false)).isEqualTo("hello world");
    // Hugging Face removes every ▁ of the first token
    assertThat(t.decode(new int[] {META2, X}, false)).isEqualTo("x");
  }

  @Test
  void roundTripsFixedStrings() {
    List<String> samples =
        List.of(
            "hello world",
            "a    b",
            "  leading spaces",
            "trailing spaces   ",
            "tabs\tand\nnewlines\r\n",
            "public static void main(String[] args) {\n    return;\n}",
            "你好，世界。日本語のテキスト",
            "emoji 😀👍🏽🇩🇪 and ZWJ 👩‍💻",
            "math ∑ ∫ √ ≠ ≤",
            "é vs e\u0301",
            "\u0000 nul and \u007F del");
    for (String s : samples) {
      assertThat(llama.decode(llama.encode(s), false)).as("llama: %s", s).isEqualTo(s);
    }
  }

  @Test
  void roundTripsWithAddedTokensUnderPrependSchemeFirst() {
    List<String> samples =
        List.of(
            "<|im_start|>user\nhi<|im_end|>",
            "<|im_start|>assistant\n<think>\nreasoning here\n</think>\n\nanswer<|im_end|>",
            "<|im_start|> spaced<|im_end|>",
            "x<s>y</s>z",
            "<tool_call>{\"name\": \"x\"}</tool_call>");
    for (String s : samples) {
      assertThat(first.decode(first.encode(s), false)).as("first: %s", s).isEqualTo(s);
    }
  }

  @Test
  void roundTripsRandomUnicode() {
    Random random = new Random(42);
    String[] added = {"<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "<|endoftext|>"};
    for (int n = 0; n < 3000; n++) {
      String s = randomText(random, random.nextInt(40));
      assertThat(llama.decode(llama.encode(s), false)).as("llama, case %d: %s", n, s).isEqualTo(s);
      if (!s.startsWith(" ")) { // prepend_scheme "first" cannot tell " x" from "x"
        assertThat(first.decode(first.encode(s), false)).as("first, case %d: %s", n, s).isEqualTo(s);
        String withTokens = s + added[random.nextInt(added.length)] + randomText(random, 10);
        assertThat(first.decode(first.encode(withTokens), false))
            .as("first with added tokens, case %d: %s", n, withTokens)
            .isEqualTo(withTokens);
      }
    }
  }

  /** Random valid text without U+2581 (which decodes to a space, by design). */
  static String randomText(Random random, int codePoints) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < codePoints; i++) {
      int cp =
          switch (random.nextInt(8)) {
            case 0 -> ' ';
            case 1 -> "abcdehilorsuwxy\n\t".charAt(random.nextInt(17));
            case 2 -> 0x20 + random.nextInt(0x5F);
            case 3 -> 0xA0 + random.nextInt(0x2000);
            case 4 -> 0x4E00 + random.nextInt(0x5200);
            case 5 -> 0x1F300 + random.nextInt(0x300);
            default -> random.nextInt(Character.MAX_CODE_POINT + 1);
          };
      if (Character.getType(cp) == Character.SURROGATE || cp == 0x2581) {
        cp = 'a';
      }
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }
}
