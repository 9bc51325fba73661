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

  static final String META = "\u2581";

  private final JsonMapper mapper = JsonMapper.builder().build();
  private final Map<String, Integer> vocab = new LinkedHashMap<>();
  private final List<String> merges = new ArrayList<>();
  private final List<Map<String, Object>> addedTokens = new ArrayList<>();
  private Object normalizer;
  private Object preTokenizer;
  private Object decoder = llamaDecoder();
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
    Map<String, Object> token = new LinkedHashMap<>();
    token.put("id", id);
    token.put("content", content);
    token.put("single_word", false);
    token.put("lstrip", false);
    token.put("rstrip", false);
    token.put("normalized", false);
    token.put("special", special);
    addedTokens.add(token);
    nextId = Math.max(nextId, id + 1);
    return this;
  }

  /** Llama 2 style: normalizer Sequence[Prepend "▁", Replace " " -> "▁"], no pre-tokenizer. */
  TokenizerJsonBuilder llamaNormalizer() {
    normalizer =
        Map.of(
            "type",
            "Sequence",
            "normalizers",
            List.of(
                Map.of("type", "Prepend", "prepend", META),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", META)));
    preTokenizer = null;
    return this;
  }

  /** Metaspace pre-tokenizer with the given prepend scheme, no normalizer. */
  TokenizerJsonBuilder metaspace(String prependScheme, boolean split) {
    normalizer = null;
    preTokenizer =
        Map.of("type", "Metaspace", "replacement", META, "prepend_scheme", prependScheme, "split", split);
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
    return Map.of(
        "type",
        "Sequence",
        "decoders",
        List.of(
            Map.of("type", "Replace", "pattern", Map.of("String", META), "content", " "),
            Map.of("type", "ByteFallback"),
            Map.of("type", "Fuse"),
            Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0)));
  }

  Map<String, Integer> vocab() {
    return vocab;
  }

  List<String> merges() {
    return merges;
  }

  /** The document as a mutable tree. */
  Map<String, Object> toTree() {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", "<unk>");
    model.put("continuing_subword_prefix", null);
    model.put("end_of_word_suffix", null);
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    model.put("ignore_merges", false);
    model.put("vocab", new LinkedHashMap<>(vocab));
    model.put("merges", new ArrayList<>(merges));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", "1.0");
    root.put("truncation", null);
    root.put("padding", null);
    List<Object> added = new ArrayList<>();
    for (Map<String, Object> token : addedTokens) {
      added.add(new LinkedHashMap<>(token));
    }
    root.put("added_tokens", added);
    root.put("normalizer", normalizer);
    root.put("pre_tokenizer", preTokenizer);
    root.put("post_processor", null);
    root.put("decoder", decoder);
    root.put("model", model);
    return root;
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
