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
 * activations into a block sum, which is then scaled into the output's accumulator. Split over output rows like
 * {@link MatMul}, with the same cache tiles: two rows times four tokens in a prefill or a batch (each block
 * widened once for four tokens), one row at a time in a lone decode (four for long rows).
 *
 * <p>The tiling decides only which outputs share loads: every output is computed by the same sequence of
 * operations (block sums in column order, the reduction, then the columns past the last full block), so a
 * token's result does not depend on what else is in its batch. Columns past the last full block take a
 * scalar path, as do CPUs whose vectors hold fewer than 8 floats.
 */
public final class Int8MatMul {

  private static final VectorSpecies<Float> F32 = WeightVectors.F32;
  private static final int LANES = WeightVectors.LANES;
  private static final int BLOCK = Int8Matrix.BLOCK;
  /** One byte per float lane: 64 bits of int8 for 8 floats, 128 for 16. */
  private static final boolean VECTORIZED = LANES >= 8 && BLOCK % LANES == 0;
  private static final VectorSpecies<Byte> I8 =
      VECTORIZED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F32.vectorBitSize() / 4)) : null;
  private static final boolean TWO_VECTORS_A_BLOCK = VECTORIZED && BLOCK == 2 * LANES;
  private static final ValueLayout.OfShort SCALE = Int8Matrix.SCALE;
  private static final int TOKEN_GROUP = 4;
  /**
   * From this many columns on, a lone decode takes four rows at a time: a token's activations (32 KB and more)
   * no longer stay in L1 from one row to the next, so each activation vector is loaded once for four rows
   * (measured on the 2,560 × 10,496 down projection: 24 against 13 GB/s for two rows; on 10,496 × 2,560 one
   * row at a time is fastest, 25–28 GB/s).
   */
  private static final int LONG_ROW = 8192;
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
    if (tokens == 1) {
      // A lone decode has a task of its own, so the JIT compiles its loop apart from the batched tiles'.
      parallel.forRange(rows, cols, (from, to) -> rowsTimesOne(w, from, to, x, 0, out));
      return;
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
                for (int u = t; u < t + TOKEN_GROUP; u++) {
                  out[u * rows + r] = oneRowTimesOne(w, r, x, u);
                }
              }
            }
            for (; t < tokens; t++) {
              rowsTimesOne(w, tile, tileEnd, x, t, out);
            }
          }
        });
  }

  /** Rows {@code from..to} times token {@code t}: one row at a time, four for long rows. */
  private static void rowsTimesOne(Int8Matrix w, int from, int to, float[] x, int t, float[] out) {
    int r = from;
    for (; TWO_VECTORS_A_BLOCK && w.cols() >= LONG_ROW && r + 4 <= to; r += 4) {
      fourRowsTimesOne(w, r, x, t, out);
    }
    for (; r < to; r++) {
      out[t * w.rows() + r] = oneRowTimesOne(w, r, x, t);
    }
  }

  /** {@link #LANES} int8 values at byte {@code offset}, widened to floats (exact). */
  private static FloatVector widen(MemorySegment quants, long offset) {
    return (FloatVector)
        ByteVector.fromMemorySegment(I8, quants, offset, ByteOrder.nativeOrder())
            .convertShape(VectorOperators.B2F, F32, 0);
  }

  private static int fullBlocks(Int8Matrix w) {
    return VECTORIZED ? w.cols() / BLOCK : 0;
  }

  /** {@code sum} (the reduced accumulator) plus the blocks past the last full one, in column order. */
  private static float finish(Int8Matrix w, int r, float[] x, int t, float sum) {
    MemorySegment quants = w.quants();
    int cols = w.cols();
    long row = (long) r * cols;
    int xOff = t * cols;
    for (int b = fullBlocks(w); b < w.blocksPerRow(); b++) {
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
   * Row {@code r} times token {@code t}: the decode of a lone sequence. One row at a time measured fastest on
   * rows shorter than {@link #LONG_ROW} (28 against 17 GB/s for four rows sharing the activation loads, on
   * 10,496 × 2,560). With 16 lanes a block is two vectors, written out; other widths loop.
   */
  private static float oneRowTimesOne(Int8Matrix w, int r, float[] x, int t) {
    MemorySegment quants = w.quants();
    MemorySegment scales = w.scales();
    int cols = w.cols();
    long row = (long) r * cols;
    long scaleRow = (long) r * w.blocksPerRow();
    int xOff = t * cols;
    FloatVector acc = FloatVector.zero(F32);
    int blocks = fullBlocks(w);
    if (TWO_VECTORS_A_BLOCK) {
      for (int b = 0; b < blocks; b++) {
        int c = b * BLOCK;
        FloatVector blockSum =
            ((FloatVector)
                    ByteVector.fromMemorySegment(I8, quants, row + c, ByteOrder.nativeOrder())
                        .convertShape(VectorOperators.B2F, F32, 0))
                .mul(FloatVector.fromArray(F32, x, xOff + c));
        blockSum =
            ((FloatVector)
                    ByteVector.fromMemorySegment(I8, quants, row + c + LANES, ByteOrder.nativeOrder())
                        .convertShape(VectorOperators.B2F, F32, 0))
                .fma(FloatVector.fromArray(F32, x, xOff + c + LANES), blockSum);
        acc = blockSum.fma(FloatVector.broadcast(F32, Float.float16ToFloat(scales.getAtIndex(SCALE, scaleRow + b))), acc);
      }
    } else {
      for (int b = 0; b < blocks; b++) {
        int c = b * BLOCK;
        FloatVector blockSum = widen(quants, row + c).mul(FloatVector.fromArray(F32, x, xOff + c));
        for (int j = LANES; j < BLOCK; j += LANES) {
          blockSum = widen(quants, row + c + j).fma(FloatVector.fromArray(F32, x, xOff + c + j), blockSum);
        }
        acc = blockSum.fma(FloatVector.broadcast(F32, Float.float16ToFloat(scales.getAtIndex(SCALE, scaleRow + b))), acc);
      }
    }
    return finish(w, r, x, t, acc.reduceLanes(VectorOperators.ADD));
  }

  /** Rows {@code r..r+3} times token {@code t}: each row's arithmetic exactly as {@link #oneRowTimesOne}'s. */
  private static void fourRowsTimesOne(Int8Matrix w, int r, float[] x, int t, float[] out) {
    MemorySegment quants = w.quants();
    MemorySegment scales = w.scales();
    int cols = w.cols();
    int blocksPerRow = w.blocksPerRow();
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    long row2 = row1 + cols;
    long row3 = row2 + cols;
    long scales0 = (long) r * blocksPerRow;
    long scales1 = scales0 + blocksPerRow;
    long scales2 = scales1 + blocksPerRow;
    long scales3 = scales2 + blocksPerRow;
    int xOff = t * cols;
    FloatVector a0 = FloatVector.zero(F32);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int b = 0, blocks = fullBlocks(w); b < blocks; b++) {
      int c = b * BLOCK;
      FloatVector v0 = FloatVector.fromArray(F32, x, xOff + c);
      FloatVector v1 = FloatVector.fromArray(F32, x, xOff + c + LANES);
      FloatVector s0 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row0 + c, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .mul(v0);
      FloatVector s1 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row1 + c, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .mul(v0);
      FloatVector s2 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row2 + c, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .mul(v0);
      FloatVector s3 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row3 + c, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .mul(v0);
      s0 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row0 + c + LANES, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .fma(v1, s0);
      s1 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row1 + c + LANES, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .fma(v1, s1);
      s2 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row2 + c + LANES, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .fma(v1, s2);
      s3 =
          ((FloatVector)
                  ByteVector.fromMemorySegment(I8, quants, row3 + c + LANES, ByteOrder.nativeOrder())
                      .convertShape(VectorOperators.B2F, F32, 0))
              .fma(v1, s3);
      a0 = s0.fma(FloatVector.broadcast(F32, Float.float16ToFloat(scales.getAtIndex(SCALE, scales0 + b))), a0);
      a1 = s1.fma(FloatVector.broadcast(F32, Float.float16ToFloat(scales.getAtIndex(SCALE, scales1 + b))), a1);
      a2 = s2.fma(FloatVector.broadcast(F32, Float.float16ToFloat(scales.getAtIndex(SCALE, scales2 + b))), a2);
      a3 = s3.fma(FloatVector.broadcast(F32, Float.float16ToFloat(scales.getAtIndex(SCALE, scales3 + b))), a3);
    }
    int rows = w.rows();
    out[t * rows + r + 0] = finish(w, r + 0, x, t, a0.reduceLanes(VectorOperators.ADD));
    out[t * rows + r + 1] = finish(w, r + 1, x, t, a1.reduceLanes(VectorOperators.ADD));
    out[t * rows + r + 2] = finish(w, r + 2, x, t, a2.reduceLanes(VectorOperators.ADD));
    out[t * rows + r + 3] = finish(w, r + 3, x, t, a3.reduceLanes(VectorOperators.ADD));
  }

  /**
   * Rows {@code r} and {@code r + 1} times tokens {@code t..t+3}: each block widened once for all four tokens,
   * each activation vector loaded once for both rows.
   */
  private static void twoRowsTimesFour(Int8Matrix w, int r, float[] x, int t, float[] out) {
    MemorySegment quants = w.quants();
    int cols = w.cols();
    int rows = w.rows();
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    for (int b = 0, blocks = fullBlocks(w); b < blocks; b++) {
      int c0 = b * BLOCK;
      FloatVector w0 = widen(quants, row0 + c0);
      FloatVector w1 = widen(quants, row1 + c0);
      FloatVector v = FloatVector.fromArray(F32, x, x0 + c0);
      FloatVector s00 = w0.mul(v);
      FloatVector s10 = w1.mul(v);
      v = FloatVector.fromArray(F32, x, x1 + c0);
      FloatVector s01 = w0.mul(v);
      FloatVector s11 = w1.mul(v);
      v = FloatVector.fromArray(F32, x, x2 + c0);
      FloatVector s02 = w0.mul(v);
      FloatVector s12 = w1.mul(v);
      v = FloatVector.fromArray(F32, x, x3 + c0);
      FloatVector s03 = w0.mul(v);
      FloatVector s13 = w1.mul(v);
      for (int c = c0 + LANES, end = c0 + BLOCK; c < end; c += LANES) {
        w0 = widen(quants, row0 + c);
        w1 = widen(quants, row1 + c);
        v = FloatVector.fromArray(F32, x, x0 + c);
        s00 = w0.fma(v, s00);
        s10 = w1.fma(v, s10);
        v = FloatVector.fromArray(F32, x, x1 + c);
        s01 = w0.fma(v, s01);
        s11 = w1.fma(v, s11);
        v = FloatVector.fromArray(F32, x, x2 + c);
        s02 = w0.fma(v, s02);
        s12 = w1.fma(v, s12);
        v = FloatVector.fromArray(F32, x, x3 + c);
        s03 = w0.fma(v, s03);
        s13 = w1.fma(v, s13);
      }
      FloatVector scale0 = FloatVector.broadcast(F32, w.scale(r, b));
      FloatVector scale1 = FloatVector.broadcast(F32, w.scale(r + 1, b));
      a00 = s00.fma(scale0, a00);
      a01 = s01.fma(scale0, a01);
      a02 = s02.fma(scale0, a02);
      a03 = s03.fma(scale0, a03);
      a10 = s10.fma(scale1, a10);
      a11 = s11.fma(scale1, a11);
      a12 = s12.fma(scale1, a12);
      a13 = s13.fma(scale1, a13);
    }
    out[t * rows + r] = finish(w, r, x, t, a00.reduceLanes(VectorOperators.ADD));
    out[(t + 1) * rows + r] = finish(w, r, x, t + 1, a01.reduceLanes(VectorOperators.ADD));
    out[(t + 2) * rows + r] = finish(w, r, x, t + 2, a02.reduceLanes(VectorOperators.ADD));
    out[(t + 3) * rows + r] = finish(w, r, x, t + 3, a03.reduceLanes(VectorOperators.ADD));
    out[t * rows + r + 1] = finish(w, r + 1, x, t, a10.reduceLanes(VectorOperators.ADD));
    out[(t + 1) * rows + r + 1] = finish(w, r + 1, x, t + 1, a11.reduceLanes(VectorOperators.ADD));
    out[(t + 2) * rows + r + 1] = finish(w, r + 1, x, t + 2, a12.reduceLanes(VectorOperators.ADD));
    out[(t + 3) * rows + r + 1] = finish(w, r + 1, x, t + 3, a13.reduceLanes(VectorOperators.ADD));
  }
}
