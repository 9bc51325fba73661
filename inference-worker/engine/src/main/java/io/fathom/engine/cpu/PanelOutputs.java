package io.fathom.engine.cpu;

import jdk.incubator.vector.FloatVector;

/** What the panel kernels ({@link Bf16PanelMatMul}, {@link Int8MatMul}) share: their argument check and stores. */
final class PanelOutputs {

  private static final int PANEL = Bf16Panels.PANEL;
  private static final int LANES = WeightVectors.LANES;

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
   * Panel {@code p}'s 32 outputs of one token ({@code lo}, {@code hi}) into {@code out} at {@code row0}, fewer
   * for a padded last panel. Called once per panel and token, so the vectors it takes may be boxed.
   */
  static void store(FloatVector lo, FloatVector hi, float[] out, int row0, int p, int rows) {
    int first = p * PANEL;
    if (first + PANEL <= rows) {
      lo.intoArray(out, row0 + first);
      hi.intoArray(out, row0 + first + LANES);
      return;
    }
    float[] all = new float[PANEL];
    lo.intoArray(all, 0);
    hi.intoArray(all, LANES);
    System.arraycopy(all, 0, out, row0 + first, rows - first);
  }
}
