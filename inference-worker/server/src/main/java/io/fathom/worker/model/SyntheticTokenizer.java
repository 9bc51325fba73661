package io.fathom.worker.model;

import io.fathom.protocol.tokenizer.BpeTokenizerJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A made-up {@code tokenizer.json} of an exact vocabulary size, for dummy checkpoints: SentencePiece-style BPE
 * with byte fallback (Metaspace pre-tokenizer with prepend scheme "first", Llama's decoder), the 256 byte
 * tokens, printable ASCII, the chat template's own words and common English words as whole tokens (with and
 * without a leading "▁"), then lower-case letter strings of growing length until the vocabulary is full; and
 * the ChatML added tokens ({@code <|im_start|>}, {@code <|im_end|>}, {@code <|endoftext|>} special;
 * {@code <think>}, {@code </think>}, {@code <tool_call>}, {@code </tool_call>} not special) at consecutive ids.
 *
 * <p>Every id below the vocabulary size decodes, so whatever a random model generates can be detokenized.
 */
public final class SyntheticTokenizer {

  /** The ChatML added tokens, in id order; the first three are special. */
  public static final List<String> CHATML =
      List.of("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "</tool_call>");

  /** Words made single tokens first, in this order, while there is room. */
  static final List<String> WORDS =
      List.of(
          "system", "user", "assistant", "tool_response", "tools", "Tools", "function", "name", "arguments",
          "the", "and", "of", "to", "in", "is", "you", "that", "it", "for", "on", "with", "as", "are", "this",
          "call", "type", "description", "parameters", "properties", "string", "object", "required", "query",
          "search", "result", "answer", "hello", "world", "weather", "city", "get", "Hello", "The", "What");

  private static final String META = BpeTokenizerJson.META;
  private static final int BASE_TOKENS = 3 + 256 + 2 + 94; // <unk> <s> </s>, bytes, "▁" "\n", printable ASCII

  private SyntheticTokenizer() {}

  /** The smallest vocabulary this builds. */
  public static int minimumVocabSize() {
    return BASE_TOKENS + CHATML.size();
  }

  /** A tokenizer of {@code vocabSize} ids with the ChatML tokens at the last seven. */
  public static String json(int vocabSize) {
    return json(vocabSize, vocabSize - CHATML.size());
  }

  /**
   * A tokenizer of {@code vocabSize} ids with the ChatML tokens at {@code chatmlFirstId} and after (Nanbeige4.1-3B
   * has them at 166100).
   */
  public static String json(int vocabSize, int chatmlFirstId) {
    if (vocabSize < minimumVocabSize()) {
      throw new IllegalArgumentException(
          "a synthetic tokenizer needs a vocabulary of at least " + minimumVocabSize() + " ids, got " + vocabSize);
    }
    if (chatmlFirstId < BASE_TOKENS || chatmlFirstId + CHATML.size() > vocabSize) {
      throw new IllegalArgumentException(
          "the ChatML ids " + chatmlFirstId + ".." + (chatmlFirstId + CHATML.size() - 1) + " must lie in ["
              + BASE_TOKENS + ", " + vocabSize + ")");
    }
    Builder b = new Builder(vocabSize, chatmlFirstId);
    for (String t : List.of("<unk>", "<s>", "</s>")) {
      b.add(t);
    }
    for (int i = 0; i < 256; i++) {
      b.add(String.format(Locale.ROOT, "<0x%02X>", i));
    }
    b.add(META);
    b.add("\n");
    for (char c = 0x21; c <= 0x7E; c++) {
      b.add(String.valueOf(c));
    }
    for (String word : WORDS) {
      b.wholeToken(word);
      b.wholeToken(META + word);
    }
    // Fill: "▁a".."▁z", then every letter string of length 2, 3, … with and without "▁", each one merge from
    // its prefix, until the vocabulary is full.
    for (int length = 1; !b.full(); length++) {
      char[] s = new char[length];
      java.util.Arrays.fill(s, 'a');
      while (!b.full()) {
        String word = new String(s);
        b.extend(META + word.substring(0, length - 1), word.substring(length - 1));
        if (length > 1) {
          b.extend(word.substring(0, length - 1), word.substring(length - 1));
        }
        int i = length - 1;
        while (i >= 0 && s[i] == 'z') {
          s[i--] = 'a';
        }
        if (i < 0) {
          break;
        }
        s[i]++;
      }
    }
    return b.document();
  }

  private static final class Builder {
    private final int vocabSize;
    private final int chatmlFirst;
    private final Map<String, Integer> vocab = new LinkedHashMap<>();
    private final List<String> merges = new ArrayList<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private int nextId;

    Builder(int vocabSize, int chatmlFirst) {
      this.vocabSize = vocabSize;
      this.chatmlFirst = chatmlFirst;
    }

    /** Ids left for the BPE vocabulary. */
    int room() {
      return vocabSize - CHATML.size() - vocab.size();
    }

    boolean full() {
      return room() <= 0;
    }

    void add(String token) {
      if (vocab.containsKey(token) || full()) {
        return;
      }
      if (nextId == chatmlFirst) {
        nextId += CHATML.size();
      }
      vocab.put(token, nextId++);
    }

    /** Adds {@code left + right} as one merge, if both parts are tokens and the result is new. */
    void extend(String left, String right) {
      String merged = left + right;
      if (full() || vocab.containsKey(merged) || !vocab.containsKey(left) || !vocab.containsKey(right)) {
        return;
      }
      addMerge(left, right);
    }

    private void addMerge(String left, String right) {
      String merge = left + " " + right;
      if (!ranks.containsKey(merge)) {
        ranks.put(merge, merges.size());
        merges.add(merge);
      }
      add(left + right);
    }

    /**
     * Makes {@code word} one token whatever merges came before: applies the merges so far to its characters,
     * then joins the remaining pieces left to right with new merges. Skipped when there is no room for it.
     */
    void wholeToken(String word) {
      if (vocab.containsKey(word)) {
        return;
      }
      List<String> pieces = new ArrayList<>();
      word.codePoints().forEach(cp -> pieces.add(new String(Character.toChars(cp))));
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
      if (pieces.size() - 1 > room()) {
        return;
      }
      String current = pieces.getFirst();
      for (int j = 1; j < pieces.size(); j++) {
        addMerge(current, pieces.get(j));
        current = current + pieces.get(j);
      }
    }

    String document() {
      List<BpeTokenizerJson.AddedToken> added = new ArrayList<>();
      added.add(new BpeTokenizerJson.AddedToken(0, "<unk>", true));
      added.add(new BpeTokenizerJson.AddedToken(1, "<s>", true));
      added.add(new BpeTokenizerJson.AddedToken(2, "</s>", true));
      for (int i = 0; i < CHATML.size(); i++) {
        added.add(new BpeTokenizerJson.AddedToken(chatmlFirst + i, CHATML.get(i), i < 3));
      }
      return BpeTokenizerJson.write(vocab, merges, added, BpeTokenizerJson.PreProcessing.METASPACE_FIRST);
    }
  }
}
