package io.fathom.protocol.tokenizer;

import java.util.Arrays;

/** A growable {@code int[]}. */
final class IntArrayBuilder {

  private int[] values;
  private int size;

  IntArrayBuilder(int initialCapacity) {
    values = new int[Math.max(4, initialCapacity)];
  }

  void add(int value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, values.length * 2);
    }
    values[size++] = value;
  }

  int size() {
    return size;
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
