package io.fathom.protocol.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, and the named errors for malformed or unsupported files. */
class HfTokenizerLoadTest {

  @TempDir Path dir;

  @Test
  void loadsFromAPath() throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, HandVocab.builder().llamaNormalizer().toJson());
    HfTokenizer tokenizer = HfTokenizer.load(file);
    assertThat(tokenizer.encode("hi")).containsExactly(HandVocab.META_HI);
    assertThat(tokenizer.addedTokens()).hasSize(10);
  }

  @Test
  void leavesTheCallersStreamOpen() throws IOException {
    boolean[] closed = {false};
    byte[] json = HandVocab.builder().llamaNormalizer().toJson().getBytes(StandardCharsets.UTF_8);
    try (InputStream in =
        new ByteArrayInputStream(json) {
          @Override
          public void close() {
            closed[0] = true;
          }
        }) {
      HfTokenizer.load(in);
      assertThat(closed[0]).isFalse();
    }
  }

  @Test
  void acceptsMergesBeforeVocab() {
    Map<String, Object> tree = validTree();
    Map<String, Object> model = model(tree);
    Object vocab = model.remove("vocab");
    model.put("vocab", vocab); // now after "merges"
    HfTokenizer tokenizer = TokenizerJsonBuilder.load(new TokenizerJsonBuilder().toJson(tree));
    assertThat(tokenizer.encode("hello world")).containsExactly(280, 291, 290, 296);
    assertThatThrownBy(
            () -> {
              merges(tree).set(3, "q h");
              TokenizerJsonBuilder.load(new TokenizerJsonBuilder().toJson(tree));
            })
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessageContaining("model.merges[3]");
  }

  @Test
  void acceptsMergesAsPairs() {
    Map<String, Object> tree = validTree();
    List<Object> pairs = new ArrayList<>();
    for (Object merge : (List<?>) model(tree).get("merges")) {
      pairs.add(List.of(((String) merge).split(" ")));
    }
    model(tree).put("merges", pairs);
    HfTokenizer tokenizer = TokenizerJsonBuilder.load(new TokenizerJsonBuilder().toJson(tree));
    assertThat(tokenizer.encode("hello world")).containsExactly(280, 291, 290, 296);
  }

  @Test
  void missingFileIsAnIoException() {
    assertThatThrownBy(() -> HfTokenizer.load(dir.resolve("absent.json"))).isInstanceOf(IOException.class);
  }

  @Test
  void syntaxError() {
    assertFormatError(() -> TokenizerJsonBuilder.load("{\"model\": {\"vocab\": {\"a\": 0,}"), "$", "malformed JSON");
    assertFormatError(() -> TokenizerJsonBuilder.load(""), "$", "expected a JSON object");
    assertFormatError(() -> TokenizerJsonBuilder.load("[]"), "$", "expected a JSON object");
  }

  @Test
  void missingOrUnsupportedModel() {
    assertBroken(tree -> tree.remove("model"), "model", "missing");
    assertBroken(tree -> model(tree).put("type", "WordPiece"), "model.type", "'WordPiece'");
    assertBroken(tree -> model(tree).put("type", "Unigram"), "model.type", "only BPE");
    assertBroken(
        tree -> {
          model(tree).put("type", "Unigram"); // "type" comes first, as in real files
          model(tree).put("vocab", List.of(List.of("<unk>", 0.0)));
        },
        "model.type",
        "'Unigram'");
    assertBroken(tree -> model(tree).remove("vocab"), "model.vocab", "missing");
    assertBroken(tree -> model(tree).remove("merges"), "model.merges", "missing");
    assertBroken(tree -> model(tree).put("dropout", 0.1), "model.dropout", "not supported");
    assertBroken(tree -> model(tree).put("continuing_subword_prefix", "##"), "model.continuing_subword_prefix", "##");
  }

  @Test
  void badVocabulary() {
    assertBroken(tree -> vocab(tree).put("zz", "7"), "model.vocab", "'zz' must be an integer");
    assertBroken(tree -> vocab(tree).put("zz", -3), "model.vocab", "outside");
    assertBroken(tree -> vocab(tree).put("zz", 1L << 40), "model.vocab", "outside");
    assertBroken(tree -> vocab(tree).put("zz", 260), "model.vocab", "id 260 is used by both");
    assertBroken(tree -> model(tree).put("vocab", List.of()), "model.vocab", "expected an object");
  }

  @Test
  void badMerges() {
    assertBroken(tree -> merges(tree).set(3, "q h"), "model.merges[3]", "token 'q' is not in model.vocab");
    assertBroken(tree -> merges(tree).set(0, "bc"), "model.merges[0]", "single space");
    assertBroken(tree -> merges(tree).set(0, "b c d"), "model.merges[0]", "single space");
    assertBroken(tree -> merges(tree).set(5, "x h"), "model.merges[5]", "merged token 'xh' is not in model.vocab");
    assertBroken(tree -> merges(tree).set(2, List.of("a")), "model.merges[2]", "pair");
    assertBroken(tree -> merges(tree).set(2, 17), "model.merges[2]", "found an integer");
    assertBroken(tree -> model(tree).put("unk_token", "<nope>"), "model.unk_token", "'<nope>'");
  }

  @Test
  void badAddedTokens() {
    assertBroken(tree -> addedToken(tree, 4).remove("id"), "added_tokens[4].id", "missing");
    assertBroken(tree -> addedToken(tree, 4).put("id", "x"), "added_tokens[4].id", "expected an integer");
    assertBroken(tree -> addedToken(tree, 4).put("content", 5), "added_tokens[4].content", "expected a string");
    assertBroken(tree -> addedToken(tree, 4).put("content", ""), "added_tokens[4].content", "empty");
    assertBroken(tree -> addedToken(tree, 4).put("special", "yes"), "added_tokens[4].special", "true or false");
    assertBroken(tree -> addedToken(tree, 4).put("id", 298), "added_tokens[4].id", "added_tokens[3]");
    assertBroken(tree -> addedToken(tree, 4).put("content", "<s>"), "added_tokens[4].content", "added_tokens[1]");
    assertBroken(tree -> tree.put("added_tokens", Map.of()), "added_tokens", "expected an array");
  }

  @Test
  void unsupportedNormalizerPreTokenizerAndDecoder() {
    assertBroken(tree -> tree.put("normalizer", Map.of("type", "NFKC")), "normalizer.type", "'NFKC'");
    assertBroken(
        tree ->
            tree.put(
                "normalizer",
                Map.of("type", "Sequence", "normalizers", List.of(Map.of("type", "Prepend", "prepend", "▁"), Map.of(
                    "type", "Replace", "pattern", Map.of("Regex", " +"), "content", "▁")))),
        "normalizer.normalizers[1].pattern",
        "Regex");
    assertBroken(
        tree -> tree.put("pre_tokenizer", Map.of("type", "ByteLevel", "add_prefix_space", false)),
        "pre_tokenizer.type",
        "'ByteLevel'");
    assertBroken(
        tree -> tree.put("pre_tokenizer", Map.of("type", "Metaspace", "replacement", "▁", "prepend_scheme", "sometimes")),
        "pre_tokenizer.prepend_scheme",
        "'sometimes'");
    assertBroken(
        tree -> tree.put("pre_tokenizer", Map.of("type", "Metaspace", "replacement", "__")),
        "pre_tokenizer.replacement",
        "single character");
    assertBroken(
        tree ->
            tree.put(
                "pre_tokenizer",
                Map.of(
                    "type", "Metaspace", "replacement", "▁", "prepend_scheme", "first", "add_prefix_space", false)),
        "pre_tokenizer.add_prefix_space",
        "contradicts");
    assertBroken(tree -> tree.put("decoder", null), "decoder", "missing");
    assertBroken(tree -> tree.put("decoder", Map.of("type", "ByteLevel")), "decoder.type", "'ByteLevel'");
    assertBroken(
        tree -> tree.put("decoder", Map.of("type", "Sequence", "decoders", List.of(Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0)))),
        "decoder.decoders[0]",
        "only supported after Fuse");
    assertBroken(
        tree ->
            tree.put(
                "decoder",
                Map.of(
                    "type",
                    "Sequence",
                    "decoders",
                    List.of(Map.of("type", "Fuse"), Map.of("type", "Strip", "content", " ", "start", 1, "stop", 1)))),
        "decoder.decoders[1].stop",
        "trailing");
  }

  // ---------------------------------------------------------------- helpers

  private static Map<String, Object> validTree() {
    return HandVocab.builder().llamaNormalizer().toTree();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> model(Map<String, Object> tree) {
    return (Map<String, Object>) tree.get("model");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> vocab(Map<String, Object> tree) {
    return (Map<String, Object>) model(tree).get("vocab");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> merges(Map<String, Object> tree) {
    return (List<Object>) model(tree).get("merges");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> addedToken(Map<String, Object> tree, int index) {
    return (Map<String, Object>) ((List<Object>) tree.get("added_tokens")).get(index);
  }

  private static void assertBroken(Consumer<Map<String, Object>> breakIt, String field, String messagePart) {
    Map<String, Object> tree = new LinkedHashMap<>(validTree());
    // sanity check: the unbroken document loads
    TokenizerJsonBuilder.load(new TokenizerJsonBuilder().toJson(tree));
    breakIt.accept(tree);
    String json = new TokenizerJsonBuilder().toJson(tree);
    assertFormatError(() -> TokenizerJsonBuilder.load(json), field, messagePart);
  }

  private static void assertFormatError(ThrowingCallable load, String field, String messagePart) {
    assertThatThrownBy(load)
        .isInstanceOfSatisfying(
            TokenizerFormatException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).contains(field).contains(messagePart);
            });
  }
}
