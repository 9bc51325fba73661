package io.fathom.engine.cpu;

import io.fathom.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code out[t, r] = Σ_c W[r, c] · x[t, c]} for bf16 weights read in place, widened exactly to f32 and
 * accumulated in f32.
 *
 * <p>Every output has one accumulator, taken over the columns {@link #LANES} at a time in order, then
 * reduced, then the columns past the last full vector added one by one. The tiling — two rows times eight
 * tokens in a long prefill, four rows times four tokens in a short one or a batch of decodes (each weight
 * vector widened once for several tokens, each activation vector loaded once for several rows), one row at
 * a time in a lone decode (four for long rows) — only decides which outputs share loads, never the arithmetic, so a token's
 * result does not depend on what else is in its batch. (Until the JIT has compiled a kernel, the last bits
 * can: the Vector API's float reduction adds lanes in a different order interpreted than compiled.)
 *
 * <p>Two things matter to C2 here, each worth a third of the speed or more: no vector may cross a call that
 * is not inlined (it would be boxed on the heap; C2 refuses to inline even small helpers deep in these
 * methods, so each bf16 load is written out: load 16-bit lanes, widen to int, shift into the high half), and
 * the loops are written {@code c + LANES <= cols}, a form whose bounds checks it hoists.
 */
final class Bf16MatMul {

  private static final VectorSpecies<Float> F32 = WeightVectors.F32;
  private static final int LANES = F32.length();
  private static final VectorSpecies<Integer> I32 = VectorSpecies.of(int.class, F32.vectorShape());
  private static final VectorSpecies<Short> HALF =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F32.vectorBitSize() / 2));
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final VectorOperators.Conversion<Short, Integer> S2I = VectorOperators.S2I;
  private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;
  private static final int TOKEN_GROUP = 4;
  private static final int ROW_GROUP = 4;
  /**
   * From this many tokens on, two rows times eight tokens: fewer widenings per multiply-add, but only two
   * streams of weights from memory, which a single group of eight cannot hide (measured: 65 against 45
   * GFMA/s at 32 tokens, 35 against 50 at 8).
   */
  private static final int WIDE_FROM = 16;
  /**
   * From this many columns on, a lone decode takes four rows at a time: their activations (40 KB and more) no
   * longer stay in L1 between rows, so each activation vector is loaded once for four (measured on the 2,560 ×
   * 10,496 down projection: 24–26 against 16 GB/s for two rows and less for one; shorter rows are no faster
   * four at a time).
   */
  private static final int LONG_ROW = 8192;
  /** Rows per cache tile: 16 rows of 2560 bf16 weights are 80 KB, well inside a core's L2. */
  private static final int ROW_TILE = 16;

  private Bf16MatMul() {}

  static void multiply(
      MemorySegment w, int rows, int cols, float[] x, float[] out, int tokens, ParallelRunner parallel) {
    if (tokens == 1) {
      // A lone decode has a task of its own, so the JIT compiles its loop apart from the batched tiles'.
      parallel.forRange(rows, cols, (from, to) -> rowsTimesOne(w, from, to, cols, x, 0, out, rows));
      return;
    }
    parallel.forRange(
        rows,
        (long) cols * tokens,
        (from, to) -> {
          for (int tile = from; tile < to; tile += ROW_TILE) {
            int tileEnd = Math.min(to, tile + ROW_TILE);
            int t = 0;
            for (; tokens >= WIDE_FROM && t + 8 <= tokens; t += 8) {
              int r = tile;
              for (; r + 2 <= tileEnd; r += 2) {
                twoRowsTimesEight(w, r, cols, x, t, out, rows);
              }
              for (; r < tileEnd; r++) {
                for (int u = t; u < t + 8; u++) {
                  out[u * rows + r] = oneRowTimesOne(w, r, cols, x, u);
                }
              }
            }
            for (; t + TOKEN_GROUP <= tokens; t += TOKEN_GROUP) {
              int r = tile;
              for (; r + ROW_GROUP <= tileEnd; r += ROW_GROUP) {
                fourRowsTimesFour(w, r, cols, x, t, out, rows);
              }
              for (; r < tileEnd; r++) {
                for (int u = t; u < t + TOKEN_GROUP; u++) {
                  out[u * rows + r] = oneRowTimesOne(w, r, cols, x, u);
                }
              }
            }
            for (; t < tokens; t++) {
              rowsTimesOne(w, tile, tileEnd, cols, x, t, out, rows);
            }
          }
        });
  }

  /** Rows {@code from..to} times token {@code t}: one row at a time, four for long rows. */
  private static void rowsTimesOne(
      MemorySegment w, int from, int to, int cols, float[] x, int t, float[] out, int rows) {
    int r = from;
    for (; cols >= LONG_ROW && r + 4 <= to; r += 4) {
      fourRowsTimesOne(w, r, cols, x, t, out, rows);
    }
    for (; r < to; r++) {
      out[t * rows + r] = oneRowTimesOne(w, r, cols, x, t);
    }
  }

  /** {@code sum} (the reduced accumulator) plus the columns from {@code c} on, in column order. */
  private static float finish(float sum, MemorySegment w, int r, int cols, int c, float[] x, int t) {
    long row = (long) r * cols;
    for (; c < cols; c++) {
      sum += DType.BF16.read(w, row + c) * x[t * cols + c];
    }
    return sum;
  }

  /**
   * Row {@code r} times token {@code t}: the decode of a lone sequence, bound by memory bandwidth. (On rows
   * shorter than {@link #LONG_ROW}, four rows at a time sharing the activation loads measured no faster.)
   */
  private static float oneRowTimesOne(MemorySegment w, int r, int cols, float[] x, int t) {
    long row = (long) r * cols;
    int xOff = t * cols;
    FloatVector acc = FloatVector.zero(F32);
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      acc = ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row + c) * 2, LE).convertShape(S2I, I32, 0))
          .lanewise(LSHL, 16)
          .reinterpretAsFloats()
          .fma(FloatVector.fromArray(F32, x, xOff + c), acc);
    }
    return finish(acc.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t);
  }

  /** Rows {@code r..r+3} times token {@code t}: each row's arithmetic exactly as {@link #oneRowTimesOne}'s. */
  private static void fourRowsTimesOne(MemorySegment w, int r, int cols, float[] x, int t, float[] out, int rows) {
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    long row2 = row1 + cols;
    long row3 = row2 + cols;
    int xOff = t * cols;
    FloatVector a0 = FloatVector.zero(F32);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      FloatVector v = FloatVector.fromArray(F32, x, xOff + c);
      a0 = ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row0 + c) * 2, LE).convertShape(S2I, I32, 0))
          .lanewise(LSHL, 16)
          .reinterpretAsFloats()
          .fma(v, a0);
      a1 = ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row1 + c) * 2, LE).convertShape(S2I, I32, 0))
          .lanewise(LSHL, 16)
          .reinterpretAsFloats()
          .fma(v, a1);
      a2 = ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row2 + c) * 2, LE).convertShape(S2I, I32, 0))
          .lanewise(LSHL, 16)
          .reinterpretAsFloats()
          .fma(v, a2);
      a3 = ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row3 + c) * 2, LE).convertShape(S2I, I32, 0))
          .lanewise(LSHL, 16)
          .reinterpretAsFloats()
          .fma(v, a3);
    }
    out[t * rows + r + 0] = finish(a0.reduceLanes(VectorOperators.ADD), w, r + 0, cols, c, x, t);
    out[t * rows + r + 1] = finish(a1.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t);
    out[t * rows + r + 2] = finish(a2.reduceLanes(VectorOperators.ADD), w, r + 2, cols, c, x, t);
    out[t * rows + r + 3] = finish(a3.reduceLanes(VectorOperators.ADD), w, r + 3, cols, c, x, t);
  }

  /**
   * Rows {@code r..r+3} times tokens {@code t..t+3}: sixteen accumulators, each weight vector used four times,
   * each activation vector four times.
   */
  private static void fourRowsTimesFour(
      MemorySegment w, int r, int cols, float[] x, int t, float[] out, int rows) {
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    long row2 = row1 + cols;
    long row3 = row2 + cols;
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
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a22 = a00;
    FloatVector a23 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    FloatVector a32 = a00;
    FloatVector a33 = a00;
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      FloatVector w0 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row0 + c) * 2, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w1 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row1 + c) * 2, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w2 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row2 + c) * 2, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w3 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row3 + c) * 2, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector v = FloatVector.fromArray(F32, x, x0 + c);
      a00 = w0.fma(v, a00);
      a10 = w1.fma(v, a10);
      a20 = w2.fma(v, a20);
      a30 = w3.fma(v, a30);
      v = FloatVector.fromArray(F32, x, x1 + c);
      a01 = w0.fma(v, a01);
      a11 = w1.fma(v, a11);
      a21 = w2.fma(v, a21);
      a31 = w3.fma(v, a31);
      v = FloatVector.fromArray(F32, x, x2 + c);
      a02 = w0.fma(v, a02);
      a12 = w1.fma(v, a12);
      a22 = w2.fma(v, a22);
      a32 = w3.fma(v, a32);
      v = FloatVector.fromArray(F32, x, x3 + c);
      a03 = w0.fma(v, a03);
      a13 = w1.fma(v, a13);
      a23 = w2.fma(v, a23);
      a33 = w3.fma(v, a33);
    }
    out[t * rows + r] = finish(a00.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t);
    out[(t + 1) * rows + r] = finish(a01.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 1);
    out[(t + 2) * rows + r] = finish(a02.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 2);
    out[(t + 3) * rows + r] = finish(a03.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 3);
    out[t * rows + r + 1] = finish(a10.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t);
    out[(t + 1) * rows + r + 1] = finish(a11.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 1);
    out[(t + 2) * rows + r + 1] = finish(a12.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 2);
    out[(t + 3) * rows + r + 1] = finish(a13.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 3);
    out[t * rows + r + 2] = finish(a20.reduceLanes(VectorOperators.ADD), w, r + 2, cols, c, x, t);
    out[(t + 1) * rows + r + 2] = finish(a21.reduceLanes(VectorOperators.ADD), w, r + 2, cols, c, x, t + 1);
    out[(t + 2) * rows + r + 2] = finish(a22.reduceLanes(VectorOperators.ADD), w, r + 2, cols, c, x, t + 2);
    out[(t + 3) * rows + r + 2] = finish(a23.reduceLanes(VectorOperators.ADD), w, r + 2, cols, c, x, t + 3);
    out[t * rows + r + 3] = finish(a30.reduceLanes(VectorOperators.ADD), w, r + 3, cols, c, x, t);
    out[(t + 1) * rows + r + 3] = finish(a31.reduceLanes(VectorOperators.ADD), w, r + 3, cols, c, x, t + 1);
    out[(t + 2) * rows + r + 3] = finish(a32.reduceLanes(VectorOperators.ADD), w, r + 3, cols, c, x, t + 2);
    out[(t + 3) * rows + r + 3] = finish(a33.reduceLanes(VectorOperators.ADD), w, r + 3, cols, c, x, t + 3);
  }

  /**
   * Rows {@code r, r+1} times tokens {@code t..t+7}: sixteen accumulators, each weight vector widened once for
   * eight tokens (the widening costs as much as two multiply-adds, so this beats four rows times four).
   */
  private static void twoRowsTimesEight(
      MemorySegment w, int r, int cols, float[] x, int t, float[] out, int rows) {
    long row0 = (long) r * cols;
    long row1 = row0 + cols;
    int x0 = t * cols;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a04 = a00;
    FloatVector a05 = a00;
    FloatVector a06 = a00;
    FloatVector a07 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    FloatVector a14 = a00;
    FloatVector a15 = a00;
    FloatVector a16 = a00;
    FloatVector a17 = a00;
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
      FloatVector w0 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row0 + c) * 2, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w1 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, (row1 + c) * 2, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector v = FloatVector.fromArray(F32, x, x0 + c);
      a00 = w0.fma(v, a00);
      a10 = w1.fma(v, a10);
      v = FloatVector.fromArray(F32, x, x0 + 1 * cols + c);
      a01 = w0.fma(v, a01);
      a11 = w1.fma(v, a11);
      v = FloatVector.fromArray(F32, x, x0 + 2 * cols + c);
      a02 = w0.fma(v, a02);
      a12 = w1.fma(v, a12);
      v = FloatVector.fromArray(F32, x, x0 + 3 * cols + c);
      a03 = w0.fma(v, a03);
      a13 = w1.fma(v, a13);
      v = FloatVector.fromArray(F32, x, x0 + 4 * cols + c);
      a04 = w0.fma(v, a04);
      a14 = w1.fma(v, a14);
      v = FloatVector.fromArray(F32, x, x0 + 5 * cols + c);
      a05 = w0.fma(v, a05);
      a15 = w1.fma(v, a15);
      v = FloatVector.fromArray(F32, x, x0 + 6 * cols + c);
      a06 = w0.fma(v, a06);
      a16 = w1.fma(v, a16);
      v = FloatVector.fromArray(F32, x, x0 + 7 * cols + c);
      a07 = w0.fma(v, a07);
      a17 = w1.fma(v, a17);
    }
    out[t * rows + r] = finish(a00.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t);
    out[(t + 1) * rows + r] = finish(a01.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 1);
    out[(t + 2) * rows + r] = finish(a02.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 2);
    out[(t + 3) * rows + r] = finish(a03.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 3);
    out[(t + 4) * rows + r] = finish(a04.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 4);
    out[(t + 5) * rows + r] = finish(a05.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 5);
    out[(t + 6) * rows + r] = finish(a06.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 6);
    out[(t + 7) * rows + r] = finish(a07.reduceLanes(VectorOperators.ADD), w, r, cols, c, x, t + 7);
    out[t * rows + r + 1] = finish(a10.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t);
    out[(t + 1) * rows + r + 1] = finish(a11.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 1);
    out[(t + 2) * rows + r + 1] = finish(a12.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 2);
    out[(t + 3) * rows + r + 1] = finish(a13.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 3);
    out[(t + 4) * rows + r + 1] = finish(a14.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 4);
    out[(t + 5) * rows + r + 1] = finish(a15.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 5);
    out[(t + 6) * rows + r + 1] = finish(a16.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 6);
    out[(t + 7) * rows + r + 1] = finish(a17.reduceLanes(VectorOperators.ADD), w, r + 1, cols, c, x, t + 7);
  }
}
