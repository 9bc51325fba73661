package io.fathom.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code out[t, r] = Σ_c W[r, c] · x[t, c]} for an {@link Int8Matrix}, dequantized on the fly and accumulated in
 * f32: each block's int8 values are loaded a vector at a time, widened to float lanes and multiplied by the
 * activations; the block's sum is then scaled once. Split over output rows like {@link MatMul}, with the same
 * cache tiles and groups of four tokens for a prefill (there each block is dequantized once, for four tokens,
 * two rows at a time).
 * Columns past the last full block take a scalar path, as do CPUs whose vectors hold fewer than 8 floats.
 */
public final class Int8MatMul {

  private static final VectorSpecies<Float> F32 = WeightVectors.F32;
  private static final int LANES = WeightVectors.LANES;
  private static final int BLOCK = Int8Matrix.BLOCK;
  /** One byte per float lane: 64 bits of int8 for 8 floats, 128 for 16. */
  private static final boolean VECTORIZED = LANES >= 8 && BLOCK % LANES == 0;
  private static final VectorSpecies<Byte> I8 =
      VECTORIZED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F32.vectorBitSize() / 4)) : null;
  private static final int TOKEN_GROUP = 4;
  private static final int ROW_TILE = 16;

  private Int8MatMul() {}

  /** Multiplies {@code tokens} rows of {@code x} ({@code cols} wide) by {@code w}'s transpose into {@code out}. */
  public static void multiply(Int8Matrix w, float[] x, float[] out, int tokens, ParallelRunner parallel) {
    int rows = w.rows();
    int cols = w.cols();
    if (x.length < (long) tokens * cols || out.length < (long) tokens * rows) {
      throw new IllegalArgumentException(
          w.name() + ": " + tokens + " tokens need x of " + ((long) tokens * cols) + " and out of "
              + ((long) tokens * rows) + " floats, got " + x.length + " and " + out.length);
    }
    parallel.forRange(
        rows,
        (long) cols * tokens,
        (from, to) -> {
          for (int tile = from; tile < to; tile += ROW_TILE) {
            int tileEnd = Math.min(to, tile + ROW_TILE);
            int t = 0;
            for (; t + TOKEN_GROUP <= tokens; t += TOKEN_GROUP) {
              int r = tile;
              for (; r + 2 <= tileEnd; r += 2) {
                twoRowsTimesFour(w, r, x, t, out);
              }
              for (; r < tileEnd; r++) {
                rowTimesFour(w, r, x, t, out);
              }
            }
            for (; t < tokens; t++) {
              for (int r = tile; r < tileEnd; r++) {
                out[t * rows + r] = dot(w, r, x, t * cols);
              }
            }
          }
        });
  }

  /** {@link #LANES} int8 values at byte {@code offset}, widened to floats (exact). */
  private static FloatVector widen(MemorySegment quants, long offset) {
    return (FloatVector)
        ByteVector.fromMemorySegment(I8, quants, offset, ByteOrder.nativeOrder())
            .convertShape(VectorOperators.B2F, F32, 0);
  }

  /** Row {@code r} times one token: the decode path, bound by memory bandwidth. */
  private static float dot(Int8Matrix w, int r, float[] x, int xOff) {
    MemorySegment quants = w.quants();
    int cols = w.cols();
    long row = (long) r * cols;
    int fullBlocks = VECTORIZED ? cols / BLOCK : 0;
    FloatVector acc = FloatVector.zero(F32);
    for (int b = 0; b < fullBlocks; b++) {
      int c = b * BLOCK;
      FloatVector blockSum = FloatVector.zero(F32);
      for (int j = 0; j < BLOCK; j += LANES) {
        blockSum = widen(quants, row + c + j).fma(FloatVector.fromArray(F32, x, xOff + c + j), blockSum);
      }
      acc = blockSum.fma(FloatVector.broadcast(F32, w.scale(r, b)), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (int b = fullBlocks; b < w.blocksPerRow(); b++) {
      int end = Math.min(cols, (b + 1) * BLOCK);
      float blockSum = 0;
      for (int c = b * BLOCK; c < end; c++) {
        blockSum += quants.get(ValueLayout.JAVA_BYTE, row + c) * x[xOff + c];
      }
      sum += blockSum * w.scale(r, b);
    }
    return sum;
  }

  /**
   * Rows {@code r} and {@code r + 1} times tokens {@code t..t+3}: each block dequantized once for all four
   * tokens, each activation vector loaded once for both rows (eight accumulators).
   */
  private static void twoRowsTimesFour(Int8Matrix w, int r, float[] x, int t, float[] out) {
    MemorySegment quants = w.quants();
    int cols = w.cols();
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    int fullBlocks = VECTORIZED ? cols / BLOCK : 0;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    for (int b = 0; b < fullBlocks; b++) {
      FloatVector scale0 = FloatVector.broadcast(F32, w.scale(r, b));
      FloatVector scale1 = FloatVector.broadcast(F32, w.scale(r + 1, b));
      for (int c = b * BLOCK, end = c + BLOCK; c < end; c += LANES) {
        FloatVector w0 = widen(quants, row0 + c).mul(scale0);
        FloatVector w1 = widen(quants, row1 + c).mul(scale1);
        FloatVector v = FloatVector.fromArray(F32, x, x0 + c);
        a00 = w0.fma(v, a00);
        a10 = w1.fma(v, a10);
        v = FloatVector.fromArray(F32, x, x1 + c);
        a01 = w0.fma(v, a01);
        a11 = w1.fma(v, a11);
        v = FloatVector.fromArray(F32, x, x2 + c);
        a02 = w0.fma(v, a02);
        a12 = w1.fma(v, a12);
        v = FloatVector.fromArray(F32, x, x3 + c);
        a03 = w0.fma(v, a03);
        a13 = w1.fma(v, a13);
      }
    }
    storeFour(w, r, fullBlocks * BLOCK, x, t, out, a00, a01, a02, a03);
    storeFour(w, r + 1, fullBlocks * BLOCK, x, t, out, a10, a11, a12, a13);
  }

  /** Row {@code r} times tokens {@code t..t+3}: each block dequantized once, for all four. */
  private static void rowTimesFour(Int8Matrix w, int r, float[] x, int t, float[] out) {
    MemorySegment quants = w.quants();
    int cols = w.cols();
    long row = (long) r * cols;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    int fullBlocks = VECTORIZED ? cols / BLOCK : 0;
    FloatVector a0 = FloatVector.zero(F32);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int b = 0; b < fullBlocks; b++) {
      FloatVector scale = FloatVector.broadcast(F32, w.scale(r, b));
      for (int c = b * BLOCK, end = c + BLOCK; c < end; c += LANES) {
        FloatVector wv = widen(quants, row + c).mul(scale);
        a0 = wv.fma(FloatVector.fromArray(F32, x, x0 + c), a0);
        a1 = wv.fma(FloatVector.fromArray(F32, x, x1 + c), a1);
        a2 = wv.fma(FloatVector.fromArray(F32, x, x2 + c), a2);
        a3 = wv.fma(FloatVector.fromArray(F32, x, x3 + c), a3);
      }
    }
    storeFour(w, r, fullBlocks * BLOCK, x, t, out, a0, a1, a2, a3);
  }

  /** Reduces row {@code r}'s four accumulators, adds the columns from {@code c} on, stores the sums. */
  private static void storeFour(
      Int8Matrix w, int r, int c, float[] x, int t, float[] out,
      FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
    MemorySegment quants = w.quants();
    int rows = w.rows();
    int cols = w.cols();
    long row = (long) r * cols;
    int x0 = t * cols;
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; c < cols; c++) {
      float wc = quants.get(ValueLayout.JAVA_BYTE, row + c) * w.scale(r, c / BLOCK);
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
