package io.fathom.protocol.tokenizer;

/**
 * Open-addressing hash map from token text to id. Besides {@link String} keys it can look up a region of a
 * {@code char[]} and the concatenation of two regions without building a string, which lets the loader resolve
 * ~160k merges without allocating. Filled once while loading, read-only afterwards.
 */
final class Vocabulary {

  /** Returned by the lookups when the token is absent. */
  static final int ABSENT = -1;

  private String[] keys;
  private int[] hashes;
  private int[] ids;
  private int size;

  Vocabulary(int expectedSize) {
    int capacity = Integer.highestOneBit(Math.max(16, expectedSize * 2 - 1)) << 1;
    keys = new String[capacity];
    hashes = new int[capacity];
    ids = new int[capacity];
  }

  int size() {
    return size;
  }

  /** Adds a token; returns the id it already had (the map is unchanged then), or {@link #ABSENT}. */
  int putIfAbsent(String token, int id) {
    int hash = token.hashCode();
    int slot = slotOf(token, hash);
    if (keys[slot] != null) {
      return ids[slot];
    }
    keys[slot] = token;
    hashes[slot] = hash;
    ids[slot] = id;
    if (++size * 2 > keys.length) {
      grow();
    }
    return ABSENT;
  }

  int get(String token) {
    int slot = slotOf(token, token.hashCode());
    return keys[slot] == null ? ABSENT : ids[slot];
  }

  /** The slot holding {@code token}, or the empty slot where it would go (linear probing). */
  private int slotOf(String token, int hash) {
    int mask = keys.length - 1;
    int slot = spread(hash) & mask;
    String key;
    while ((key = keys[slot]) != null) {
      if (hashes[slot] == hash && key.equals(token)) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** The id of the token {@code a[aOffset, aOffset + aLength)}. */
  int get(char[] a, int aOffset, int aLength) {
    return get(a, aOffset, aLength, a, 0, 0);
  }

  /** The id of the token formed by concatenating two regions. */
  int get(char[] a, int aOffset, int aLength, char[] b, int bOffset, int bLength) {
    int hash = 0;
    for (int i = 0; i < aLength; i++) {
      hash = 31 * hash + a[aOffset + i];
    }
    for (int i = 0; i < bLength; i++) {
      hash = 31 * hash + b[bOffset + i];
    }
    int mask = keys.length - 1;
    int slot = spread(hash) & mask;
    String key;
    while ((key = keys[slot]) != null) {
      if (hashes[slot] == hash && regionEquals(key, a, aOffset, aLength, b, bOffset, bLength)) {
        return ids[slot];
      }
      slot = (slot + 1) & mask;
    }
    return ABSENT;
  }

  private static boolean regionEquals(
      String key, char[] a, int aOffset, int aLength, char[] b, int bOffset, int bLength) {
    if (key.length() != aLength + bLength) {
      return false;
    }
    for (int i = 0; i < aLength; i++) {
      if (key.charAt(i) != a[aOffset + i]) {
        return false;
      }
    }
    for (int i = 0; i < bLength; i++) {
      if (key.charAt(aLength + i) != b[bOffset + i]) {
        return false;
      }
    }
    return true;
  }

  private void grow() {
    String[] oldKeys = keys;
    int[] oldHashes = hashes;
    int[] oldIds = ids;
    keys = new String[oldKeys.length * 2];
    hashes = new int[keys.length];
    ids = new int[keys.length];
    int mask = keys.length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != null) {
        int slot = spread(oldHashes[i]) & mask;
        while (keys[slot] != null) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        hashes[slot] = oldHashes[i];
        ids[slot] = oldIds[i];
      }
    }
  }

  private static int spread(int hash) {
    int h = hash * 0x9E37_79B9;
    return h ^ (h >>> 16);
  }
}
