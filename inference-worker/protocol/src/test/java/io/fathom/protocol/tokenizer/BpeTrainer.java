package io.fathom.protocol.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A small frequency-based BPE trainer for tests: repeatedly merges the most frequent adjacent pair (ties broken by
 * the smaller pair of ids) over a multiset of words, keeping pair counts up to date incrementally and the
 * candidates in a lazily updated priority queue.
 */
final class BpeTrainer {

  private final List<String> symbols = new ArrayList<>();
  private final Map<String, Integer> symbolIds = new HashMap<>();
  private final List<int[]> words = new ArrayList<>();
  private final List<Integer> frequencies = new ArrayList<>();
  private final Map<Long, Integer> pairCounts = new HashMap<>();
  private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
  private final Set<Long> merged = new HashSet<>();
  /** (count, pair) entries, highest count first, then smallest pair; stale entries are skipped when polled. */
  private final PriorityQueue<long[]> candidates =
      new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));
  private final List<String> merges = new ArrayList<>();

  /**
   * @param wordCounts each training unit (already normalised, e.g. "▁hello▁world") with its frequency
   */
  BpeTrainer(Map<String, Integer> wordCounts) {
    wordCounts.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              int[] word = e.getKey().codePoints().map(cp -> symbolId(new String(Character.toChars(cp)))).toArray();
              int index = words.size();
              words.add(word);
              frequencies.add(e.getValue());
              for (int i = 0; i + 1 < word.length; i++) {
                count(word[i], word[i + 1], e.getValue(), index);
              }
            });
  }

  /** The distinct characters of the corpus, in first-seen order. */
  List<String> alphabet(int count) {
    return List.copyOf(symbols.subList(0, count));
  }

  int alphabetSize() {
    return symbols.size();
  }

  /** Learns up to {@code count} merges; returns them as "left right" in rank order. */
  List<String> train(int count) {
    while (merges.size() < count) {
      long best = -1;
      while (!candidates.isEmpty()) {
        long[] top = candidates.poll();
        Integer current = pairCounts.get(top[1]);
        if (current != null && current == top[0] && current > 1 && !merged.contains(top[1])) {
          best = top[1];
          break;
        }
      }
      if (best < 0) {
        break;
      }
      merged.add(best);
      int left = (int) (best >>> 32);
      int right = (int) best;
      merges.add(symbols.get(left) + " " + symbols.get(right));
      int newId = symbolId(symbols.get(left) + symbols.get(right));
      for (int index : pairWords.getOrDefault(best, Set.of())) {
        words.set(index, mergeWord(index, words.get(index), left, right, newId));
      }
      pairWords.remove(best);
    }
    return List.copyOf(merges);
  }

  /**
   * Merges every (left, right) in one word, left to right, updating the counts of only the pairs that change: at
   * each occurrence the pairs (prev, left), (left, right) and (right, next) give way to (prev, new) and (new, next).
   */
  private int[] mergeWord(int index, int[] word, int left, int right, int newId) {
    int frequency = frequencies.get(index);
    int[] out = new int[word.length];
    int n = 0;
    for (int i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
        count(left, right, -frequency, index);
        if (n > 0) {
          count(out[n - 1], left, -frequency, index);
          count(out[n - 1], newId, frequency, index);
        }
        if (i + 2 < word.length) {
          count(right, word[i + 2], -frequency, index);
          count(newId, word[i + 2], frequency, index);
        }
        out[n++] = newId;
        i++;
      } else {
        out[n++] = word[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  private int symbolId(String symbol) {
    Integer id = symbolIds.get(symbol);
    if (id == null) {
      id = symbols.size();
      symbols.add(symbol);
      symbolIds.put(symbol, id);
    }
    return id;
  }

  private void count(int left, int right, int delta, int index) {
    long key = ((long) left << 32) | right;
    Integer updated = pairCounts.merge(key, delta, (a, b) -> a + b == 0 ? null : a + b);
    if (updated != null) {
      candidates.add(new long[] {updated, key});
      if (delta > 0) {
        pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(index);
      }
    }
  }
}
