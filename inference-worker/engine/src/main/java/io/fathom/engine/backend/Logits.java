package io.fathom.engine.backend;

/**
 * Next-token logits for {@code rows} positions ({@code [rows][vocabSize]}, row-major); with {@link
 * LogitsScope#LAST}, one row for the last token; with {@link LogitsScope#NONE}, no rows.
 */
public record Logits(int rows, int vocabSize, float[] values) {

  public Logits {
    if ((long) rows * vocabSize != values.length) {
      throw new IllegalArgumentException(rows + " × " + vocabSize + " logits, got " + values.length + " values");
    }
  }

  /** A copy of row {@code row}. */
  public float[] row(int row) {
    float[] copy = new float[vocabSize];
    System.arraycopy(values, row * vocabSize, copy, 0, vocabSize);
    return copy;
  }

  /** The last row. */
  public float[] last() {
    return row(rows - 1);
  }

  /** The highest-scoring token of row {@code row} (the lowest id among equals): greedy decoding. */
  public int argmax(int row) {
    int base = row * vocabSize;
    int best = 0;
    for (int i = 1; i < vocabSize; i++) {
      if (values[base + i] > values[base + best]) {
        best = i;
      }
    }
    return best;
  }
}
