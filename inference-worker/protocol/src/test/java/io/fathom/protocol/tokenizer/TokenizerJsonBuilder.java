package io.fathom.protocol.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds {@code tokenizer.json} documents for tests as a mutable tree of maps and lists, so a test can also break
 * any field before serialising.
 */
final class TokenizerJsonBuilder {

  static final String META = BpeTokenizerJson.META;

  private final JsonMapper mapper = JsonMapper.builder().build();
  private final Map<String, Integer> vocab = new LinkedHashMap<>();
  private final List<String> merges = new ArrayList<>();
  private final List<BpeTokenizerJson.AddedToken> addedTokens = new ArrayList<>();
  private Object normalizer;
  private Object preTokenizer;
  private Object decoder = BpeTokenizerJson.llamaDecoder();
  private int nextId;

  /** Adds tokens to the vocabulary with consecutive ids. */
  TokenizerJsonBuilder tokens(String... tokens) {
    for (String token : tokens) {
      if (vocab.putIfAbsent(token, nextId) == null) {
        nextId++;
      }
    }
    return this;
  }

  /** Adds {@code <0x00>}..{@code <0xFF>}. */
  TokenizerJsonBuilder byteTokens() {
    for (int b = 0; b < 256; b++) {
      tokens(String.format(Locale.ROOT, "<0x%02X>", b));
    }
    return this;
  }

  /** Adds the merge {@code "left right"} (next rank) and, if new, the merged token to the vocabulary. */
  TokenizerJsonBuilder merge(String left, String right) {
    merges.add(left + " " + right);
    return tokens(left + right);
  }

  /** Adds an added token; non-special tokens and special tokens both use normalized=false, like Llama files. */
  TokenizerJsonBuilder added(int id, String content, boolean special) {
    addedTokens.add(new BpeTokenizerJson.AddedToken(id, content, special));
    nextId = Math.max(nextId, id + 1);
    return this;
  }

  /** Llama 2 style: normalizer Sequence[Prepend "▁", Replace " " -> "▁"], no pre-tokenizer. */
  TokenizerJsonBuilder llamaNormalizer() {
    normalizer = BpeTokenizerJson.normalizer(BpeTokenizerJson.PreProcessing.LEGACY_PREPEND);
    preTokenizer = null;
    return this;
  }

  /** Metaspace pre-tokenizer with the given prepend scheme, no normalizer. */
  TokenizerJsonBuilder metaspace(String prependScheme, boolean split) {
    normalizer = null;
    preTokenizer = BpeTokenizerJson.metaspace(prependScheme, split);
    return this;
  }

  TokenizerJsonBuilder normalizer(Object value) {
    normalizer = value;
    return this;
  }

  TokenizerJsonBuilder preTokenizer(Object value) {
    preTokenizer = value;
    return this;
  }

  TokenizerJsonBuilder decoder(Object value) {
    decoder = value;
    return this;
  }

  /** Sequence[Replace "▁" -> " ", ByteFallback, Fuse, Strip(" ", 1, 0)]. */
  static Map<String, Object> llamaDecoder() {
    return BpeTokenizerJson.llamaDecoder();
  }

  Map<String, Integer> vocab() {
    return vocab;
  }

  List<String> merges() {
    return merges;
  }

  /** The document as a mutable tree. */
  Map<String, Object> toTree() {
    return BpeTokenizerJson.tree(vocab, merges, addedTokens, normalizer, preTokenizer, decoder);
  }

  String toJson() {
    return toJson(toTree());
  }

  String toJson(Object tree) {
    return mapper.writeValueAsString(tree);
  }

  HfTokenizer build() {
    return load(toJson());
  }

  static HfTokenizer load(String json) {
    try {
      return HfTokenizer.load(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
