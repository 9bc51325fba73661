package io.fathom.orchestrator.context;

import io.fathom.protocol.tokenizer.BpeTokenizerJson;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small {@code tokenizer.json} documents for tests and benchmarks: byte fallback, every printable ASCII character
 * and {@code "\n"} as a token, merges that make each given word, with or without a leading "▁", one token, a few merges around newlines, and the ChatML added tokens. Two pre-processing styles, both found in
 * Llama-family tokenizers: {@link Style#METASPACE_FIRST} and {@link Style#LEGACY_PREPEND}.
 */
public final class TestTokenizer {

  /** The meta-space. */
  public static final String META = BpeTokenizerJson.META;

  /** How text is prepared before BPE. */
  public enum Style {
    /** Metaspace pre-tokenizer, prepend scheme "first": only a piece at the start of the input gets "▁". */
    METASPACE_FIRST,
    /** Llama 2 "legacy" normalizer (Prepend "▁", Replace " " by "▁"): every piece between added tokens gets "▁". */
    LEGACY_PREPEND
  }

  /** Words every test vocabulary has: the template's own words. */
  public static final List<String> TEMPLATE_WORDS =
      List.of(
          "system", "user", "assistant", "tool_response", "tools", "Tools", "function", "functions", "name",
          "arguments", "search", "query", "omitted", "result", "round", "tool", "of", "the", "You", "call", "type",
          "description", "parameters", "truncated", "tokens", "showing", "first");

  private TestTokenizer() {}

  /** The {@link Style#METASPACE_FIRST} tokenizer of the template words and {@code words}. */
  public static HfTokenizer build(Collection<String> words) {
    return build(Style.METASPACE_FIRST, words);
  }

  public static HfTokenizer build(Style style, Collection<String> words) {
    try {
      return HfTokenizer.load(new ByteArrayInputStream(json(style, words).getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The document. */
  public static String json(Style style, Collection<String> words) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    List<String> merges = new ArrayList<>();
    for (String t : List.of("<unk>", "<s>", "</s>")) {
      vocab.put(t, vocab.size());
    }
    for (int b = 0; b < 256; b++) {
      vocab.put(String.format(Locale.ROOT, "<0x%02X>", b), vocab.size());
    }
    vocab.putIfAbsent(META, vocab.size());
    vocab.putIfAbsent("\n", vocab.size());
    for (char c = 0x21; c <= 0x7E; c++) {
      vocab.putIfAbsent(String.valueOf(c), vocab.size());
    }
    chain(vocab, merges, "\n\n");
    chain(vocab, merges, "\nO"); // lets "assistant\nOK" merge across the generation prompt's end
    chain(vocab, merges, META + META);
    List<String> all = new ArrayList<>(TEMPLATE_WORDS);
    all.addAll(words);
    Map<String, Integer> ranks = new HashMap<>();
    for (int i = 0; i < merges.size(); i++) {
      ranks.put(merges.get(i), i);
    }
    for (String word : all) {
      wholeToken(vocab, merges, ranks, word);
      wholeToken(vocab, merges, ranks, META + word);
    }
    int next = vocab.size();
    List<BpeTokenizerJson.AddedToken> added = new ArrayList<>();
    added.add(new BpeTokenizerJson.AddedToken(0, "<unk>", true));
    added.add(new BpeTokenizerJson.AddedToken(1, "<s>", true));
    added.add(new BpeTokenizerJson.AddedToken(2, "</s>", true));
    String[] chatml = {"<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "</tool_call>"};
    for (int i = 0; i < chatml.length; i++) {
      added.add(new BpeTokenizerJson.AddedToken(next + i, chatml[i], i < 3));
    }
    return BpeTokenizerJson.write(vocab, merges, added, switch (style) {
      case METASPACE_FIRST -> BpeTokenizerJson.PreProcessing.METASPACE_FIRST;
      case LEGACY_PREPEND -> BpeTokenizerJson.PreProcessing.LEGACY_PREPEND;
    });
  }

  /**
   * Makes {@code entry} one token whatever merges came before: runs BPE over it with the merges so far, then adds
   * merges that join the resulting pieces left to right. Later merges never split an earlier word again.
   */
  private static void wholeToken(
      Map<String, Integer> vocab, List<String> merges, Map<String, Integer> ranks, String entry) {
    if (vocab.containsKey(entry)) {
      return;
    }
    List<String> pieces = new ArrayList<>();
    entry.codePoints().forEach(cp -> pieces.add(new String(Character.toChars(cp))));
    while (pieces.size() > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < pieces.size(); i++) {
        Integer rank = ranks.get(pieces.get(i) + " " + pieces.get(i + 1));
        if (rank != null && rank < bestRank) {
          best = i;
          bestRank = rank;
        }
      }
      if (best < 0) {
        break;
      }
      pieces.set(best, pieces.get(best) + pieces.remove(best + 1));
    }
    String current = pieces.getFirst();
    vocab.putIfAbsent(current, vocab.size());
    for (int j = 1; j < pieces.size(); j++) {
      vocab.putIfAbsent(pieces.get(j), vocab.size());
      String merged = current + pieces.get(j);
      vocab.putIfAbsent(merged, vocab.size());
      String merge = current + " " + pieces.get(j);
      if (!ranks.containsKey(merge)) {
        ranks.put(merge, merges.size());
        merges.add(merge);
      }
      current = merged;
    }
  }

  /** Left-to-right merges (c0 c1), (c0c1 c2), … so that {@code entry} becomes one token. */
  private static void chain(Map<String, Integer> vocab, List<String> merges, String entry) {
    int[] cps = entry.codePoints().toArray();
    String current = new String(Character.toChars(cps[0]));
    vocab.putIfAbsent(current, vocab.size());
    for (int j = 1; j < cps.length; j++) {
      String next = new String(Character.toChars(cps[j]));
      vocab.putIfAbsent(next, vocab.size());
      String merged = current + next;
      if (!vocab.containsKey(merged)) {
        vocab.put(merged, vocab.size());
        merges.add(current + " " + next);
      }
      current = merged;
    }
  }
}
