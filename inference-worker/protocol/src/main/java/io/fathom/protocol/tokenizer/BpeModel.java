package io.fathom.protocol.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The BPE model of a {@code tokenizer.json}: vocabulary, ranked merges, byte fallback and unknown-token handling.
 *
 * <p>A word is split into one symbol per code point (characters missing from the vocabulary become their UTF-8
 * bytes as {@code <0xNN>} tokens, or the unknown token), then adjacent pairs are merged lowest rank first (leftmost
 * on ties) using a binary heap over a doubly linked symbol list: O(n log n) per word. Immutable and thread-safe.
 *
 * <p>When no merge produces a token containing a character other than "▁" followed by "▁" (true of SentencePiece
 * vocabularies), no merge can ever cross such a position, so a long word is cut before each "▁" that follows another
 * character and the pieces are merged separately, with the same result and much smaller heaps.
 */
final class BpeModel {

  private static final int NONE = -1;
  private static final char META = '\u2581';

  private final Vocabulary vocab;
  private final int[] bmpIds;
  private final Map<Integer, Integer> supplementaryIds;
  private final int[] byteIds;
  private final MergeTable merges;
  private final int unkId;
  private final boolean fuseUnk;
  private final boolean byteFallback;
  private final boolean ignoreMerges;
  private final boolean splitBeforeMeta;

  private BpeModel(ModelSpec spec, int unkId) {
    this.vocab = spec.vocab();
    this.merges = spec.merges();
    this.unkId = unkId;
    this.fuseUnk = spec.fuseUnk();
    this.byteFallback = spec.byteFallback();
    this.ignoreMerges = spec.ignoreMerges();
    this.bmpIds = new int[Character.MAX_VALUE + 1];
    Arrays.fill(bmpIds, NONE);
    this.supplementaryIds = new HashMap<>();
    String[] tokens = spec.tokensById();
    for (int id = 0; id < tokens.length; id++) {
      String token = tokens[id];
      if (token == null) {
        continue;
      }
      if (token.length() == 1 && !Character.isSurrogate(token.charAt(0))) {
        bmpIds[token.charAt(0)] = id;
      } else if (token.length() == 2 && Character.isSurrogatePair(token.charAt(0), token.charAt(1))) {
        supplementaryIds.put(token.codePointAt(0), id);
      }
    }
    this.byteIds = new int[256];
    for (int b = 0; b < 256; b++) {
      byteIds[b] = vocab.get(byteToken(b));
    }
    boolean[] crossesMeta = {false};
    merges.forEachMergedId(id -> crossesMeta[0] |= hasCharBeforeMeta(tokens[id]));
    // "▁" must be a known symbol too, or unknown characters could fuse across the cut
    this.splitBeforeMeta = !crossesMeta[0] && bmpIds[META] != NONE;
  }

  /** Whether {@code token} contains a character other than "▁" followed by "▁". */
  private static boolean hasCharBeforeMeta(String token) {
    for (int i = token.indexOf(META, 1); i > 0; i = token.indexOf(META, i + 1)) {
      if (token.charAt(i - 1) != META) {
        return true;
      }
    }
    return false;
  }

  /**
   * Builds the model.
   *
   * @throws TokenizerFormatException naming {@code model.unk_token} when it is missing from {@code model.vocab}
   */
  static BpeModel build(ModelSpec spec) {
    int unkId = NONE;
    if (spec.unkToken() != null) {
      unkId = spec.vocab().get(spec.unkToken());
      if (unkId == Vocabulary.ABSENT) {
        throw new TokenizerFormatException(
            "model.unk_token", "token " + Strings.quote(spec.unkToken()) + " is not in model.vocab");
      }
    }
    return new BpeModel(spec, unkId);
  }

  /** The name of the byte-fallback token of {@code b}, e.g. {@code <0x0A>}. */
  static String byteToken(int b) {
    return String.format(Locale.ROOT, "<0x%02X>", b);
  }

  /** The id of a token of the model vocabulary, or {@link Vocabulary#ABSENT}. */
  int tokenToId(String token) {
    return vocab.get(token);
  }

  int mergeCount() {
    return merges.size();
  }

  /** Appends the ids of {@code text[start, end)} to {@code out}. */
  void encode(String text, int start, int end, Workspace ws, IntArrayBuilder out) {
    if (start >= end) {
      return;
    }
    if (ignoreMerges) {
      int whole = vocab.get(text.substring(start, end));
      if (whole != Vocabulary.ABSENT) {
        out.add(whole);
        return;
      }
    }
    if (!splitBeforeMeta) {
      encodePiece(text, start, end, ws, out);
      return;
    }
    int pieceStart = start;
    for (int i = start + 1; i < end; i++) {
      if (text.charAt(i) == META && text.charAt(i - 1) != META) {
        encodePiece(text, pieceStart, i, ws, out);
        pieceStart = i;
      }
    }
    encodePiece(text, pieceStart, end, ws, out);
  }

  /** Whether long words are cut before "▁" (see the class comment). */
  boolean splitsBeforeMeta() {
    return splitBeforeMeta;
  }

  private void encodePiece(String text, int start, int end, Workspace ws, IntArrayBuilder out) {
    int n = initialSymbols(text, start, end, ws);
    if (n == 0) {
      return;
    }
    mergeAll(n, ws);
    int[] ids = ws.ids;
    int[] next = ws.next;
    for (int i = 0; i != NONE; i = next[i]) {
      out.add(ids[i]);
    }
  }

  private int initialSymbols(String text, int start, int end, Workspace ws) {
    ws.ensureCapacity(end - start);
    int n = 0;
    boolean lastWasUnk = false;
    for (int i = start; i < end; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp <= Character.MAX_VALUE && Character.isSurrogate((char) cp)) {
        cp = 0xFFFD; // a lone surrogate is not valid text; encode it as the replacement character
      }
      int id = cp <= Character.MAX_VALUE ? bmpIds[cp] : supplementaryIds.getOrDefault(cp, NONE);
      if (id != NONE) {
        ws.ensureCapacity(n + 1);
        ws.ids[n++] = id;
        lastWasUnk = false;
      } else if (byteFallback && hasAllBytes(cp, ws.utf8)) {
        int len = utf8(cp, ws.utf8);
        ws.ensureCapacity(n + len);
        for (int k = 0; k < len; k++) {
          ws.ids[n++] = byteIds[ws.utf8[k] & 0xFF];
        }
        lastWasUnk = false;
      } else if (unkId != NONE) {
        if (!(fuseUnk && lastWasUnk)) {
          ws.ensureCapacity(n + 1);
          ws.ids[n++] = unkId;
        }
        lastWasUnk = true;
      }
      // else: no byte token and no unknown token: the character is dropped, as Hugging Face tokenizers does
    }
    return n;
  }

  private boolean hasAllBytes(int cp, byte[] scratch) {
    int len = utf8(cp, scratch);
    for (int k = 0; k < len; k++) {
      if (byteIds[scratch[k] & 0xFF] == NONE) {
        return false;
      }
    }
    return true;
  }

  private static int utf8(int cp, byte[] out) {
    if (cp < 0x80) {
      out[0] = (byte) cp;
      return 1;
    } else if (cp < 0x800) {
      out[0] = (byte) (0xC0 | (cp >>> 6));
      out[1] = (byte) (0x80 | (cp & 0x3F));
      return 2;
    } else if (cp < 0x10000) {
      out[0] = (byte) (0xE0 | (cp >>> 12));
      out[1] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
      out[2] = (byte) (0x80 | (cp & 0x3F));
      return 3;
    } else {
      out[0] = (byte) (0xF0 | (cp >>> 18));
      out[1] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
      out[2] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
      out[3] = (byte) (0x80 | (cp & 0x3F));
      return 4;
    }
  }

  /**
   * Merges the {@code n} symbols in {@code ws.ids}. Heap entries are {@code rank << 32 | position}, so the smallest
   * entry is the lowest-rank pair and, among equal ranks, the leftmost one. Entries made stale by earlier merges are
   * detected on pop (position removed, or the pair there no longer has that rank) and skipped.
   */
  private void mergeAll(int n, Workspace ws) {
    int[] ids = ws.ids;
    int[] prev = ws.prev;
    int[] next = ws.next;
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1;
    }
    next[n - 1] = NONE;
    LongHeap heap = ws.heap;
    heap.clear();
    for (int i = 0; i + 1 < n; i++) {
      long merge = merges.get(ids[i], ids[i + 1]);
      if (merge != MergeTable.ABSENT) {
        heap.addUnordered(((long) MergeTable.rank(merge) << 32) | i);
      }
    }
    heap.heapify();
    while (!heap.isEmpty()) {
      long top = heap.poll();
      int pos = (int) top;
      int rank = (int) (top >>> 32);
      int right = next[pos];
      if (ids[pos] == NONE || right == NONE) {
        continue;
      }
      long merge = merges.get(ids[pos], ids[right]);
      if (merge == MergeTable.ABSENT || MergeTable.rank(merge) != rank) {
        continue;
      }
      ids[pos] = MergeTable.mergedId(merge);
      ids[right] = NONE;
      int after = next[right];
      next[pos] = after;
      if (after != NONE) {
        prev[after] = pos;
        long withNext = merges.get(ids[pos], ids[after]);
        if (withNext != MergeTable.ABSENT) {
          heap.add(((long) MergeTable.rank(withNext) << 32) | pos);
        }
      }
      int before = prev[pos];
      if (before != NONE) {
        long withPrev = merges.get(ids[before], ids[pos]);
        if (withPrev != MergeTable.ABSENT) {
          heap.add(((long) MergeTable.rank(withPrev) << 32) | before);
        }
      }
    }
  }

  Workspace newWorkspace() {
    return new Workspace();
  }

  /** Scratch arrays for one encode call; not shared between threads. */
  static final class Workspace {
    private int[] ids = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private final LongHeap heap = new LongHeap(64);
    private final byte[] utf8 = new byte[4];

    private void ensureCapacity(int capacity) {
      if (capacity > ids.length) {
        int newLength = Math.max(capacity, ids.length * 2);
        ids = Arrays.copyOf(ids, newLength);
        prev = new int[newLength];
        next = new int[newLength];
      }
    }
  }

  /** A binary min-heap of {@code long}s. */
  static final class LongHeap {
    private long[] values;
    private int size;

    LongHeap(int capacity) {
      values = new long[capacity];
    }

    void clear() {
      size = 0;
    }

    boolean isEmpty() {
      return size == 0;
    }

    /** Appends without restoring the heap order; call {@link #heapify} before polling. */
    void addUnordered(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[size++] = value;
    }

    void heapify() {
      for (int i = (size >>> 1) - 1; i >= 0; i--) {
        siftDown(i, values[i]);
      }
    }

    void add(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        long p = values[parent];
        if (p <= value) {
          break;
        }
        values[i] = p;
        i = parent;
      }
      values[i] = value;
    }

    long poll() {
      long result = values[0];
      long last = values[--size];
      if (size > 0) {
        siftDown(0, last);
      }
      return result;
    }

    private void siftDown(int i, long value) {
      int half = size >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        long c = values[child];
        int rightChild = child + 1;
        if (rightChild < size && values[rightChild] < c) {
          child = rightChild;
          c = values[child];
        }
        if (value <= c) {
          break;
        }
        values[i] = c;
        i = child;
      }
      values[i] = value;
    }
  }
}
