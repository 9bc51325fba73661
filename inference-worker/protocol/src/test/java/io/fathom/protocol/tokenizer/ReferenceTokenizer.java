package io.fathom.protocol.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately naive reference encoder, written independently of the main code: it repeatedly scans all
 * adjacent pairs for the lowest-rank merge (leftmost on ties) and merges it, O(n^2) per word. Supports only what
 * the randomized comparison needs: literal added tokens without strip options, byte fallback, and three
 * normalisation modes.
 */
final class ReferenceTokenizer {

  enum Mode {
    /** normalizer Sequence[Prepend "▁", Replace " " -> "▁"], no pre-tokenizer. */
    PREPEND_NORMALIZER,
    /** Metaspace, prepend_scheme "first", split false. */
    METASPACE_FIRST,
    /** Metaspace, prepend_scheme "always", split true. */
    METASPACE_ALWAYS_SPLIT
  }

  private static final String META = "\u2581";

  private final Map<String, Integer> vocab;
  private final Map<String, Integer> ranks = new HashMap<>();
  private final Map<String, Integer> added;
  private final Mode mode;

  ReferenceTokenizer(Map<String, Integer> vocab, List<String> merges, Map<String, Integer> added, Mode mode) {
    this.vocab = vocab;
    this.added = added;
    this.mode = mode;
    for (int rank = 0; rank < merges.size(); rank++) {
      ranks.putIfAbsent(pairKey(merges.get(rank).split(" ")[0], merges.get(rank).split(" ")[1]), rank);
    }
  }

  private static String pairKey(String left, String right) {
    return left + '\u0000' + right;
  }

  List<Integer> encode(String text) {
    List<Integer> out = new ArrayList<>();
    int pieceStart = 0;
    int i = 0;
    while (i < text.length()) {
      String found = null;
      for (String content : added.keySet()) {
        if (text.startsWith(content, i) && (found == null || content.length() > found.length())) {
          found = content;
        }
      }
      if (found == null) {
        i++;
        continue;
      }
      encodePiece(text.substring(pieceStart, i), pieceStart == 0, out);
      out.add(added.get(found));
      i += found.length();
      pieceStart = i;
    }
    encodePiece(text.substring(pieceStart), pieceStart == 0, out);
    return out;
  }

  private void encodePiece(String piece, boolean atStartOfInput, List<Integer> out) {
    if (piece.isEmpty()) {
      return;
    }
    String s = piece.replace(" ", META);
    switch (mode) {
      case PREPEND_NORMALIZER -> out.addAll(bpe(META + s));
      case METASPACE_FIRST -> out.addAll(bpe(atStartOfInput && !s.startsWith(META) ? META + s : s));
      case METASPACE_ALWAYS_SPLIT -> {
        String prefixed = s.startsWith(META) ? s : META + s;
        for (String word : prefixed.split("(?=" + META + ")")) {
          out.addAll(bpe(word));
        }
      }
    }
  }

  private List<Integer> bpe(String word) {
    List<String> symbols = new ArrayList<>();
    word.codePoints()
        .forEach(
            cp -> {
              String ch = new String(Character.toChars(cp));
              if (vocab.containsKey(ch)) {
                symbols.add(ch);
              } else {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                  symbols.add(String.format(Locale.ROOT, "<0x%02X>", b & 0xFF));
                }
              }
            });
    while (true) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer rank = ranks.get(pairKey(symbols.get(i), symbols.get(i + 1)));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
    }
    List<Integer> ids = new ArrayList<>();
    for (String symbol : symbols) {
      ids.add(vocab.get(symbol));
    }
    return ids;
  }
}
