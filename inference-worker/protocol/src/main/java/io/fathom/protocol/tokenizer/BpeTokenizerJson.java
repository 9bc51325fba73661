package io.fathom.protocol.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes Llama-family BPE {@code tokenizer.json} documents (byte fallback, {@code <unk>}, Llama's decoder) from a
 * vocabulary, merges and added tokens: the tokenizers of dummy models, and of tests. {@link HfTokenizer} reads
 * them back.
 */
public final class BpeTokenizerJson {

  /** The meta-space that stands for a space. */
  public static final String META = "\u2581";

  /** How text is prepared before BPE; both are found in Llama-family tokenizers. */
  public enum PreProcessing {
    /** Metaspace pre-tokenizer, prepend scheme "first": only a piece at the start of the input gets "▁". */
    METASPACE_FIRST,
    /** Llama 2 "legacy" normalizer (Prepend "▁", Replace " " by "▁"): every piece between added tokens gets "▁". */
    LEGACY_PREPEND
  }

  /** An added token; {@code normalized} is false, as in Llama files. */
  public record AddedToken(int id, String content, boolean special) {}

  private BpeTokenizerJson() {}

  /** The document as JSON. */
  public static String write(
      Map<String, Integer> vocab, List<String> merges, List<AddedToken> added, PreProcessing preProcessing) {
    return JsonMapper.builder().build().writeValueAsString(tree(vocab, merges, added, preProcessing));
  }

  /** The document as a mutable tree of maps and lists (a test may break any field before writing it). */
  public static Map<String, Object> tree(
      Map<String, Integer> vocab, List<String> merges, List<AddedToken> added, PreProcessing preProcessing) {
    return tree(vocab, merges, added, normalizer(preProcessing), preTokenizer(preProcessing), llamaDecoder());
  }

  /** The document as a mutable tree with the given normalizer, pre-tokenizer and decoder (null: none). */
  public static Map<String, Object> tree(
      Map<String, Integer> vocab, List<String> merges, List<AddedToken> added, Object normalizer,
      Object preTokenizer, Object decoder) {
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
    List<Object> tokens = new ArrayList<>();
    for (AddedToken token : added) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("id", token.id());
      t.put("content", token.content());
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", token.special());
      tokens.add(t);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", "1.0");
    root.put("truncation", null);
    root.put("padding", null);
    root.put("added_tokens", tokens);
    root.put("normalizer", normalizer);
    root.put("pre_tokenizer", preTokenizer);
    root.put("post_processor", null);
    root.put("decoder", decoder);
    root.put("model", model);
    return root;
  }

  /** The normalizer of {@code preProcessing}: Llama 2's Sequence[Prepend "▁", Replace " " → "▁"], or none. */
  public static Map<String, Object> normalizer(PreProcessing preProcessing) {
    return switch (preProcessing) {
      case METASPACE_FIRST -> null;
      case LEGACY_PREPEND -> Map.of(
          "type", "Sequence",
          "normalizers", List.of(
              Map.of("type", "Prepend", "prepend", META),
              Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", META)));
    };
  }

  /** The pre-tokenizer of {@code preProcessing}: Metaspace with prepend scheme "first", or none. */
  public static Map<String, Object> preTokenizer(PreProcessing preProcessing) {
    return switch (preProcessing) {
      case METASPACE_FIRST -> metaspace("first", false);
      case LEGACY_PREPEND -> null;
    };
  }

  /** A Metaspace pre-tokenizer. */
  public static Map<String, Object> metaspace(String prependScheme, boolean split) {
    return Map.of("type", "Metaspace", "replacement", META, "prepend_scheme", prependScheme, "split", split);
  }

  /** Llama's decoder: Sequence[Replace "▁" → " ", ByteFallback, Fuse, Strip(" ", 1, 0)]. */
  public static Map<String, Object> llamaDecoder() {
    return Map.of(
        "type", "Sequence",
        "decoders", List.of(
            Map.of("type", "Replace", "pattern", Map.of("String", META), "content", " "),
            Map.of("type", "ByteFallback"),
            Map.of("type", "Fuse"),
            Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0)));
  }
}
