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
 * tokens passes over them, so a prefill reads the weights from memory once; a single token (decode) is a
 * plain matrix-vector product.
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
              int r = tile;
              if (dtype == DType.BF16) {
                for (; r + 2 <= tileEnd; r += 2) {
                  twoRowsTimesFourBf16(data, r, cols, x, t, out, rows);
                }
              }
              for (; r < tileEnd; r++) {
                rowTimesFour(dtype, data, r, cols, x, t, out, rows);
              }
            }
            for (; t < tokens; t++) {
              for (int r = tile; r < tileEnd; r++) {
                out[t * rows + r] =
                    switch (dtype) {
                      case BF16 -> dotBf16(data, (long) r * cols, x, t * cols, cols);
                      case F16 -> dotF16(data, (long) r * cols, x, t * cols, cols);
                      case F32 -> dotF32(data, (long) r * cols, x, t * cols, cols);
                    };
              }
            }
          }
        });
  }

  // ---- one row times one token: the decode path, bound by memory bandwidth ----

  private static float dotBf16(MemorySegment w, long row, float[] x, int xOff, int cols) {
    FloatVector a0 = FloatVector.zero(WeightVectors.F32);
    FloatVector a1 = FloatVector.zero(WeightVectors.F32);
    int c = 0;
    for (; c + 2 * LANES <= cols; c += 2 * LANES) {
      a0 = WeightVectors.bf16(w, (row + c) * 2).fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c), a0);
      a1 = WeightVectors.bf16(w, (row + c + LANES) * 2)
          .fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c + LANES), a1);
    }
    return tail(DType.BF16, w, row, x, xOff, c, cols, a0.add(a1));
  }

  private static float dotF16(MemorySegment w, long row, float[] x, int xOff, int cols) {
    FloatVector a0 = FloatVector.zero(WeightVectors.F32);
    FloatVector a1 = FloatVector.zero(WeightVectors.F32);
    int c = 0;
    for (; c + 2 * LANES <= cols; c += 2 * LANES) {
      a0 = WeightVectors.f16(w, (row + c) * 2).fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c), a0);
      a1 = WeightVectors.f16(w, (row + c + LANES) * 2)
          .fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c + LANES), a1);
    }
    return tail(DType.F16, w, row, x, xOff, c, cols, a0.add(a1));
  }

  private static float dotF32(MemorySegment w, long row, float[] x, int xOff, int cols) {
    FloatVector a0 = FloatVector.zero(WeightVectors.F32);
    FloatVector a1 = FloatVector.zero(WeightVectors.F32);
    int c = 0;
    for (; c + 2 * LANES <= cols; c += 2 * LANES) {
      a0 = WeightVectors.f32(w, (row + c) * 4).fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c), a0);
      a1 = WeightVectors.f32(w, (row + c + LANES) * 4)
          .fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c + LANES), a1);
    }
    return tail(DType.F32, w, row, x, xOff, c, cols, a0.add(a1));
  }

  /** Finishes a dot product from column {@code c}: one more full vector if there is one, then scalars. */
  private static float tail(
      DType dtype, MemorySegment w, long row, float[] x, int xOff, int c, int cols, FloatVector acc) {
    if (c + LANES <= cols) {
      acc = WeightVectors.load(dtype, w, row + c).fma(FloatVector.fromArray(WeightVectors.F32, x, xOff + c), acc);
      c += LANES;
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; c < cols; c++) {
      sum += dtype.read(w, row + c) * x[xOff + c];
    }
    return sum;
  }

  // ---- rows times four tokens: the prefill path, each weight vector loaded once for four tokens ----

  /** Two rows times four tokens: eight accumulators, each x vector loaded once for both rows. */
  private static void twoRowsTimesFourBf16(
      MemorySegment w, int r, int cols, float[] x, int t, float[] out, int rows) {
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    FloatVector a00 = FloatVector.zero(WeightVectors.F32);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      FloatVector w0 = WeightVectors.bf16(w, (row0 + c) * 2);
      FloatVector w1 = WeightVectors.bf16(w, (row1 + c) * 2);
      FloatVector v = FloatVector.fromArray(WeightVectors.F32, x, x0 + c);
      a00 = w0.fma(v, a00);
      a10 = w1.fma(v, a10);
      v = FloatVector.fromArray(WeightVectors.F32, x, x1 + c);
      a01 = w0.fma(v, a01);
      a11 = w1.fma(v, a11);
      v = FloatVector.fromArray(WeightVectors.F32, x, x2 + c);
      a02 = w0.fma(v, a02);
      a12 = w1.fma(v, a12);
      v = FloatVector.fromArray(WeightVectors.F32, x, x3 + c);
      a03 = w0.fma(v, a03);
      a13 = w1.fma(v, a13);
    }
    storeFour(DType.BF16, w, row0, c, cols, x, x0, out, t, rows, r, a00, a01, a02, a03);
    storeFour(DType.BF16, w, row1, c, cols, x, x0, out, t, rows, r + 1, a10, a11, a12, a13);
  }

  /** One row times four tokens, for any dtype: the odd row of a bf16 tile, and f16/f32 weights. */
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
