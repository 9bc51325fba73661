package io.fathom.orchestrator.context;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable sequence of token ids, so that records holding ids get value equality and cannot be changed
 * through a shared array. {@link #toArray()} copies; {@link #copyInto} and {@link #get} read without copying.
 */
public final class TokenIds {

  /** No ids. */
  public static final TokenIds EMPTY = new TokenIds(new int[0]);

  private final int[] ids;

  private TokenIds(int[] ids) {
    this.ids = ids;
  }

  /** A copy of {@code ids}. */
  public static TokenIds of(int... ids) {
    Objects.requireNonNull(ids, "ids");
    return ids.length == 0 ? EMPTY : new TokenIds(ids.clone());
  }

  /** Takes {@code ids} without copying; the caller must not change the array afterwards. */
  static TokenIds wrap(int[] ids) {
    return ids.length == 0 ? EMPTY : new TokenIds(ids);
  }

  public int length() {
    return ids.length;
  }

  public boolean isEmpty() {
    return ids.length == 0;
  }

  public int get(int index) {
    return ids[index];
  }

  /** The last id. */
  public int last() {
    if (ids.length == 0) {
      throw new IllegalStateException("no ids");
    }
    return ids[ids.length - 1];
  }

  /** A copy of the ids. */
  public int[] toArray() {
    return ids.clone();
  }

  /** The ids {@code from} (inclusive) to {@code to} (exclusive). */
  public TokenIds slice(int from, int to) {
    return wrap(Arrays.copyOfRange(ids, from, to));
  }

  /** Copies the ids into {@code dest} at {@code offset}; returns the offset after them. */
  public int copyInto(int[] dest, int offset) {
    System.arraycopy(ids, 0, dest, offset, ids.length);
    return offset + ids.length;
  }

  /** Whether these ids start with {@code prefix}. */
  public boolean startsWith(TokenIds prefix) {
    return prefix.ids.length <= ids.length && Arrays.equals(ids, 0, prefix.ids.length, prefix.ids, 0, prefix.ids.length);
  }

  /** Whether these ids end with {@code suffix}. */
  public boolean endsWith(TokenIds suffix) {
    int from = ids.length - suffix.ids.length;
    return from >= 0 && Arrays.equals(ids, from, ids.length, suffix.ids, 0, suffix.ids.length);
  }

  /** The concatenation of {@code parts}. */
  public static TokenIds concat(TokenIds... parts) {
    int n = 0;
    for (TokenIds part : parts) {
      n += part.ids.length;
    }
    int[] out = new int[n];
    int at = 0;
    for (TokenIds part : parts) {
      at = part.copyInto(out, at);
    }
    return wrap(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenIds other && Arrays.equals(ids, other.ids);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  /** At most the first 16 ids, and the length. */
  @Override
  public String toString() {
    int shown = Math.min(ids.length, 16);
    StringBuilder sb = new StringBuilder("TokenIds[").append(ids.length).append(": ");
    for (int i = 0; i < shown; i++) {
      sb.append(i == 0 ? "" : ", ").append(ids[i]);
    }
    return sb.append(shown < ids.length ? ", …]" : "]").toString();
  }
}
