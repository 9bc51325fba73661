package io.fathom.protocol.tokenizer;

/**
 * Open-addressing hash map from a pair of token ids to its BPE merge: {@code (leftId, rightId) -> (rank, mergedId)}.
 *
 * <p>The pair is packed into one {@code long} key and the merge into one {@code long} entry, stored side by side in
 * one array so that a lookup usually costs a single cache miss and allocates nothing. Linear probing, load factor at
 * most 1/2. Filled once while loading, read-only afterwards.
 */
final class MergeTable {

  /** Returned by {@link #get} when the pair has no merge. */
  static final long ABSENT = -1L;

  /** {@code slots[2 * i]} is the key of slot i, {@code slots[2 * i + 1]} its entry ({@link #ABSENT} if free). */
  private long[] slots;
  private int mask;
  private int shift;
  private int size;

  MergeTable(int expectedSize) {
    allocate(Integer.highestOneBit(Math.max(16, expectedSize * 2 - 1)) << 1);
  }

  private void allocate(int capacity) {
    slots = new long[2 * capacity];
    for (int i = 1; i < slots.length; i += 2) {
      slots[i] = ABSENT;
    }
    mask = capacity - 1;
    shift = 64 - Integer.numberOfTrailingZeros(capacity);
  }

  /** Records a merge, replacing an earlier merge of the same pair (as Hugging Face tokenizers does). */
  void put(int leftId, int rightId, int rank, int mergedId) {
    long key = key(leftId, rightId);
    int slot = slot(key);
    while (slots[2 * slot + 1] != ABSENT && slots[2 * slot] != key) {
      slot = (slot + 1) & mask;
    }
    if (slots[2 * slot + 1] == ABSENT) {
      slots[2 * slot] = key;
      size++;
    }
    slots[2 * slot + 1] = entry(rank, mergedId);
    if (size * 2 > mask + 1) {
      grow();
    }
  }

  /** The merge entry of a pair, or {@link #ABSENT}; decode it with {@link #rank} and {@link #mergedId}. */
  long get(int leftId, int rightId) {
    long key = key(leftId, rightId);
    int slot = slot(key);
    long entry;
    while ((entry = slots[2 * slot + 1]) != ABSENT) {
      if (slots[2 * slot] == key) {
        return entry;
      }
      slot = (slot + 1) & mask;
    }
    return ABSENT;
  }

  int size() {
    return size;
  }

  /** Calls {@code action} with the merged id of every merge. */
  void forEachMergedId(java.util.function.IntConsumer action) {
    for (int i = 1; i < slots.length; i += 2) {
      if (slots[i] != ABSENT) {
        action.accept(mergedId(slots[i]));
      }
    }
  }

  static int rank(long entry) {
    return (int) (entry >>> 32);
  }

  static int mergedId(long entry) {
    return (int) entry;
  }

  private static long entry(int rank, int mergedId) {
    return ((long) rank << 32) | (mergedId & 0xFFFF_FFFFL);
  }

  private void grow() {
    long[] old = slots;
    allocate((mask + 1) * 2);
    for (int i = 0; i < old.length; i += 2) {
      if (old[i + 1] != ABSENT) {
        int slot = slot(old[i]);
        while (slots[2 * slot + 1] != ABSENT) {
          slot = (slot + 1) & mask;
        }
        slots[2 * slot] = old[i];
        slots[2 * slot + 1] = old[i + 1];
      }
    }
  }

  private static long key(int leftId, int rightId) {
    return ((long) leftId << 32) | (rightId & 0xFFFF_FFFFL);
  }

  private int slot(long key) {
    return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> shift);
  }
}
