package io.fathom.engine.cpu;

/** What the panel kernels ({@link Bf16PanelMatMul}, {@link Int8MatMul}) share: their argument check and stores. */
final class PanelOutputs {

  private static final int PANEL = Bf16Panels.PANEL;

  private PanelOutputs() {}

  /** Fails unless {@code x} and {@code out} hold {@code tokens} rows of a {@code [rows, cols]} matrix's product. */
  static void check(String name, int rows, int cols, float[] x, float[] out, int tokens) {
    if (tokens < 1 || x.length < (long) tokens * cols || out.length < (long) tokens * rows) {
      throw new IllegalArgumentException(
          name + ": " + tokens + " tokens need x of " + ((long) tokens * cols) + " and out of "
              + ((long) tokens * rows) + " floats, got " + x.length + " and " + out.length);
    }
  }

  /**
   * The outputs of a padded last panel {@code p}: {@code tail} holds {@code tokens} groups of 32 (token {@code
   * t + i} at {@code 32·i}), of which the rows up to {@code rows} go into {@code out}. The kernels store full
   * panels themselves: a vector handed to a method C2 does not inline is boxed, and that showed as a loss of
   * two thirds of the batched kernels' speed.
   */
  static void copyTail(float[] tail, int tokens, float[] out, int t, int p, int rows) {
    int first = p * PANEL;
    for (int i = 0; i < tokens; i++) {
      System.arraycopy(tail, i * PANEL, out, (t + i) * rows + first, rows - first);
    }
  }
}
