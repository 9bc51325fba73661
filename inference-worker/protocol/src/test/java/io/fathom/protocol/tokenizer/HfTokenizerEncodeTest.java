package io.fathom.protocol.tokenizer;

import static io.fathom.protocol.tokenizer.HandVocab.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Encodings of the {@link HandVocab} worked out by hand. */
class HfTokenizerEncodeTest {

  private final HfTokenizer llama = HandVocab.builder().llamaNormalizer().build();
  private final HfTokenizer first = HandVocab.builder().metaspace("first", false).build();
  private final HfTokenizer firstSplit = HandVocab.builder().metaspace("first", true).build();

  @Test
  void handVocabularyHasTheDocumentedIds() {
    assertThat(llama.vocabSize()).isEqualTo(305);
    assertThat(llama.mergeCount()).isEqualTo(21);
    assertThat(llama.idToToken(META_WORLD)).isEqualTo("▁world");
    assertThat(llama.idToToken(byteId(0x0A))).isEqualTo("<0x0A>");
    assertThat(llama.tokenToId("<think>")).hasValue(THINK);
    assertThat(llama.isSpecial(IM_END)).isTrue();
    assertThat(llama.isSpecial(THINK)).isFalse();
  }

  @Test
  void mergesApplyByRankNotGreedyLongestOrLeftToRight() {
    // "▁abcd": b c (rank 0) beats a b (rank 2); then bc d (rank 1). Greedy longest-prefix would give ▁ ab c d.
    assertThat(first.encode("abcd")).containsExactly(SPACE, A, BCD);
    assertThat(first.encode("abcd")).isNotEqualTo(new int[] {SPACE, AB, C, D});
  }

  @Test
  void equalRanksMergeLeftmostFirst() {
    // ▁ a a a a a -> ▁ aa a a a -> ▁ aa aa a -> ▁ aaaa a
    assertThat(first.encode("aaaaa")).containsExactly(SPACE, AAAA, A);
  }

  @Test
  void laterMergesBuildOnEarlierOnes() {
    // ▁ h e l l o ▁ w o r l d: ▁h (rank 3), lo (13), el (14), ▁w (15), or (16), ▁wor (17), ld (18), ▁world (19)
    int[] expected = {META_H, EL, LO, META_WORLD};
    assertThat(llama.encode("hello world")).containsExactly(expected);
    assertThat(first.encode("hello world")).containsExactly(expected);
    assertThat(firstSplit.encode("hello world")).containsExactly(expected);
    // ▁ h i: "▁ h" (rank 3) comes before "h i" (rank 8)
    assertThat(first.encode("hi")).containsExactly(META_HI);
  }

  @Test
  void prependNormalizerPrefixesEveryPieceAndReplacesSpaces() {
    assertThat(llama.encode("x")).containsExactly(SPACE, X);
    assertThat(llama.encode(" x")).containsExactly(META2, X); // Prepend always adds one more ▁
    assertThat(llama.encode("")).isEmpty();
  }

  @Test
  void metaspacePrependSchemes() {
    assertThat(first.encode("x")).containsExactly(SPACE, X);
    assertThat(first.encode(" x")).containsExactly(SPACE, X); // already starts with ▁
    HfTokenizer never = HandVocab.builder().metaspace("never", false).build();
    assertThat(never.encode("x")).containsExactly(X);
    HfTokenizer always = HandVocab.builder().metaspace("always", false).build();
    assertThat(always.encode("<think>x")).containsExactly(THINK, SPACE, X);
    assertThat(first.encode("<think>x")).containsExactly(THINK, X);
  }

  @Test
  void legacyAddPrefixSpaceMeansAlways() {
    HfTokenizer legacy =
        HandVocab.builder()
            .preTokenizer(Map.of("type", "Metaspace", "replacement", "▁", "add_prefix_space", true))
            .build();
    // split defaults to true: "▁x▁▁▁▁x" -> ▁x ▁ ▁ ▁ ▁x
    assertThat(legacy.encode("x    x")).containsExactly(SPACE, X, SPACE, SPACE, SPACE, SPACE, X);
    assertThat(legacy.encode("<think>x")).containsExactly(THINK, SPACE, X);
    HfTokenizer noPrefix =
        HandVocab.builder()
            .preTokenizer(Map.of("type", "Metaspace", "replacement", "▁", "add_prefix_space", false))
            .build();
    assertThat(noPrefix.encode("x")).containsExactly(X);
  }

  @Test
  void whitespaceRuns() {
    // ▁ a ▁ ▁ ▁ ▁ b: ▁ ▁ merges leftmost twice, then ▁▁ ▁▁
    assertThat(llama.encode("a    b")).containsExactly(SPACE, A, META4, B);
    assertThat(first.encode("a    b")).containsExactly(SPACE, A, META4, B);
    assertThat(llama.encode("a   b")).containsExactly(SPACE, A, META2, SPACE, B);
    // with split=true BPE never sees two ▁ in one word
    assertThat(firstSplit.encode("a    b")).containsExactly(SPACE, A, SPACE, SPACE, SPACE, SPACE, B);
    assertThat(llama.encode("    ")).containsExactly(META4, SPACE);
  }

  @Test
  void newlinesTabsAndAsciiByteFallback() {
    assertThat(llama.encode("a\tb\nc")).containsExactly(SPACE, A, byteId('\t'), B, byteId('\n'), C);
    // code-style indentation; 'y' is not in the vocabulary
    assertThat(llama.encode("x\n  y")).containsExactly(SPACE, X, byteId('\n'), META2, byteId('y'));
    assertThat(first.encode("\n")).containsExactly(SPACE, byteId('\n'));
    assertThat(first.encode("\r\n")).containsExactly(SPACE, byteId('\r'), byteId('\n'));
  }

  @Test
  void emojiFallsBackToItsFourUtf8Bytes() {
    // U+1F600 = F0 9F 98 80
    assertThat(first.encode("hi 😀"))
        .containsExactly(META_HI, SPACE, byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80));
  }

  @Test
  void cjkCharacterNotInVocabularyFallsBackToBytes() {
    // 你 is in the vocabulary, 好 (U+597D = E5 A5 BD) is not
    assertThat(first.encode("你好")).containsExactly(SPACE, NI, byteId(0xE5), byteId(0xA5), byteId(0xBD));
  }

  @Test
  void precomposedAndDecomposedAccents() {
    assertThat(first.encode("é")).containsExactly(SPACE, E_ACUTE);
    // e + U+0301 (CC 81): no normalisation is applied
    assertThat(first.encode("e\u0301")).containsExactly(SPACE, E, byteId(0xCC), byteId(0x81));
  }

  @Test
  void specialAndAddedTokensInsideText() {
    String chat = "<|im_start|>user\nhi<|im_end|>";
    // no prefix after a special token with prepend_scheme "first": u s e r \n h i -> user <0x0A> hi
    assertThat(first.encode(chat)).containsExactly(IM_START, USER, byteId('\n'), HI, IM_END);
    // the Prepend normalizer prefixes every piece between added tokens (Llama 2 "legacy" behaviour)
    assertThat(llama.encode(chat)).containsExactly(IM_START, META_USER, byteId('\n'), HI, IM_END);
    assertThat(first.encode("<think>hi</think><tool_call>x</tool_call><|endoftext|>"))
        .containsExactly(THINK, HI, THINK_END, TOOL_CALL, X, TOOL_CALL_END, END_OF_TEXT);
    assertThat(first.encode("x<s>x</s>")).containsExactly(SPACE, X, BOS, X, EOS);
  }

  @Test
  void incompleteSpecialTokenTextIsOrdinaryText() {
    assertThat(first.encode("<|im_end"))
        .containsExactly(
            SPACE,
            byteId('<'),
            byteId('|'),
            I,
            byteId('m'),
            byteId('_'),
            E,
            byteId('n'),
            D);
  }

  @Test
  void addedTokensMatchLeftmostLongest() {
    HfTokenizer t =
        HandVocab.builder().metaspace("first", false).added(400, "<a>", false).added(401, "<a><b>", true).build();
    assertThat(t.encode("<a><b><a>")).containsExactly(401, 400);
    assertThat(t.encode("<a><a><b>")).containsExactly(400, 401);
  }

  @Test
  void normalizedAddedTokensAreMatchedInTheNormalizedText() {
    TokenizerJsonBuilder b = HandVocab.builder().llamaNormalizer();
    Map<String, Object> tree = b.toTree();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> added = (List<Map<String, Object>>) tree.get("added_tokens");
    Map<String, Object> think = added.stream().filter(t -> t.get("id").equals(THINK)).findFirst().orElseThrow();
    think.put("normalized", true);
    HfTokenizer t = TokenizerJsonBuilder.load(b.toJson(tree));
    // the pattern is normalised too ("▁<think>"), so it only matches after a space or at the start of a piece
    assertThat(t.encode("<think>x")).containsExactly(THINK, X);
    assertThat(t.encode("x <think>")).containsExactly(SPACE, X, THINK);
    assertThat(t.encode("x<think>")).doesNotContain(THINK);
  }

  @Test
  void unknownCharacterWithoutByteTokensBecomesFusedUnk() {
    HfTokenizer t =
        new TokenizerJsonBuilder()
            .tokens("<unk>", "▁", "a")
            .metaspace("first", false)
            .build();
    assertThat(t.encode("a好好a")).containsExactly(1, 2, 0, 2);
  }

  @Test
  void loneSurrogateIsEncodedAsReplacementCharacter() {
    // U+FFFD = EF BF BD
    assertThat(first.encode("\uD83D"))
        .containsExactly(SPACE, byteId(0xEF), byteId(0xBF), byteId(0xBD));
  }

  @Test
  void longInputEncodesQuickly() {
    String text = "hello world abcd aaaaa 你好 😀\n\t".repeat(20_000); // 600k chars
    long start = System.nanoTime();
    int[] ids = llama.encode(text);
    assertThat(llama.decode(ids, false)).isEqualTo(text);
    // one 600k-char word without any "▁": a quadratic merge loop would not finish
    HfTokenizer never = HandVocab.builder().metaspace("never", false).build();
    int[] word = never.encode("abcd".repeat(150_000));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(word).hasSize(300_000);
    assertThat(word[0]).isEqualTo(A);
    assertThat(word[299_999]).isEqualTo(BCD);
    assertThat(millis).as("encode time of 1.2M chars (ms)").isLessThan(5_000);
  }
}
