package io.fathom.engine.cpu;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code out[t, r] = Σ_c W[r, c] · x[t, c]}: a weight matrix W ({@code [rows, cols]}, bf16/f16/f32, read in
 * place from its mapping) times a batch of f32 activation rows, accumulated in f32. Threads split the
 * output rows. Each thread walks its rows in small tiles that stay in cache while every group of four
 * tokens passes over them, so a prefill or a batch reads the weights from memory once; a single token
 * (decode) is a plain matrix-vector product. The forward pass repacks bf16 matrices into {@link Bf16Panels}
 * at load, so these kernels serve f16 and f32 checkpoints (and bf16 where a caller multiplies in place).
 *
 * <p>Every output is accumulated the same way whichever path computes it, so a token's result does not
 * depend on how many other tokens share the call (but for the last bits while the JIT warms up: the Vector
 * API's float reduction adds lanes in a different order interpreted than compiled).
 */
public final class MatMul {

  private static final int LANES = WeightVectors.LANES;
  private static final int TOKEN_GROUP = 4;
  /** Rows per cache tile: 16 rows of 2560 bf16 weights are 80 KB, well inside a core's L2. */
  private static final int ROW_TILE = 16;

  private MatMul() {}

  /**
   * Multiplies {@code tokens} activation rows of {@code x} (row-major, {@code cols} wide) by {@code w}'s
   * transpose into {@code out} (row-major, {@code rows} wide). {@code w}'s memory must be readable from the
   * runner's threads (a shared or global arena, as checkpoints use).
   */
  public static void multiply(Tensor w, float[] x, float[] out, int tokens, ParallelRunner parallel) {
    int rows = w.dim(0);
    int cols = w.dim(1);
    if (x.length < (long) tokens * cols || out.length < (long) tokens * rows) {
      throw new IllegalArgumentException(
          w.name() + ": " + tokens + " tokens need x of " + ((long) tokens * cols) + " and out of "
              + ((long) tokens * rows) + " floats, got " + x.length + " and " + out.length);
    }
    MemorySegment data = w.data();
    DType dtype = w.dtype();
    parallel.forRange(
        rows,
        (long) cols * tokens,
        (from, to) -> {
          for (int tile = from; tile < to; tile += ROW_TILE) {
            int tileEnd = Math.min(to, tile + ROW_TILE);
            int t = 0;
            for (; t + TOKEN_GROUP <= tokens; t += TOKEN_GROUP) {
              for (int r = tile; r < tileEnd; r++) {
                rowTimesFour(dtype, data, r, cols, x, t, out, rows);
              }
            }
            for (; t < tokens; t++) {
              for (int r = tile; r < tileEnd; r++) {
                out[t * rows + r] = dot(dtype, data, (long) r * cols, x, t * cols, cols);
              }
            }
          }
        });
  }

  // ---- one row times one token: the decode path, bound by memory bandwidth ----

  /** One accumulator over the full vectors, reduced, then the remaining columns: as {@link #storeFour} does. */
  private static float dot(DType dtype, MemorySegment w, long row, float[] x, int xOff, int cols) {
    FloatVector acc = FloatVector.zero(WeightVectors.F32);
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      acc = WeightVectors.load(dtype, w, row + c).fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; c < cols; c++) {
      sum += dtype.read(w, row + c) * x[xOff + c];
    }
    return sum;
  }

  // ---- rows times four tokens: the prefill path, each weight vector loaded once for four tokens ----

  /** One row times four tokens (f16 and f32 weights), each output accumulated exactly as {@link #dot} does. */
  private static void rowTimesFour(
      DType dtype, MemorySegment w, int r, int cols, float[] x, int t, float[] out, int rows) {
    long row = (long) r * cols;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    FloatVector a0 = FloatVector.zero(WeightVectors.F32);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      FloatVector wv = WeightVectors.load(dtype, w, row + c);
      a0 = wv.fma(FloatVector.fromArray(WeightVectors.F32, x, x0 + c), a0);
      a1 = wv.fma(FloatVector.fromArray(WeightVectors.F32, x, x1 + c), a1);
      a2 = wv.fma(FloatVector.fromArray(WeightVectors.F32, x, x2 + c), a2);
      a3 = wv.fma(FloatVector.fromArray(WeightVectors.F32, x, x3 + c), a3);
    }
    storeFour(dtype, w, row, c, cols, x, x0, out, t, rows, r, a0, a1, a2, a3);
  }

  private static void storeFour(
      DType dtype, MemorySegment w, long row, int c, int cols, float[] x, int x0, float[] out, int t, int rows,
      int r, FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; c < cols; c++) {
      float wc = dtype.read(w, row + c);
      s0 += wc * x[x0 + c];
      s1 += wc * x[x0 + cols + c];
      s2 += wc * x[x0 + 2 * cols + c];
      s3 += wc * x[x0 + 3 * cols + c];
    }
    out[t * rows + r] = s0;
    out[(t + 1) * rows + r] = s1;
    out[(t + 2) * rows + r] = s2;
    out[(t + 3) * rows + r] = s3;
  }
}
