package io.fathom.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code out[t, r] = Σ_c W[r, c] · x[t, c]} for bf16 weights {@link Bf16Panels packed into panels} of 32 rows,
 * widened exactly to f32 and accumulated in f32.
 *
 * <p>Threads split the panels. A panel is read as one sequential stream, column after column: each column's 32
 * weights become two vectors, and each token adds them times its activation for that column (broadcast) into
 * two accumulators that hold 32 outputs, so no sum across lanes is ever needed. Twelve tokens go through a
 * panel at once (24 accumulators: each weight vector widened once for twelve tokens), then eight, four, one;
 * a batch of decodes or a prefill reads the panel from memory once and from cache for the other groups.
 *
 * <p>Every output is the same sum in the same order, column 0 first, whichever group computes it, so a
 * token's result does not depend on what else is in its batch, bit for bit. Measured against the row-major
 * kernels on 10,496 × 2,560 matrices (a probe, 8 matrices per pass, side by side): one token 13.1–14.1
 * against 10.8–11.4 GFMA/s, eight tokens 52–61 against 38, 32 tokens 70–82 against 55–58.
 *
 * <p>As in the other kernels, each load is written out in place: a vector that crossed a call C2 does not
 * inline would be boxed.
 */
final class Bf16PanelMatMul {

  private static final VectorSpecies<Float> F32 = WeightVectors.F32;
  private static final VectorSpecies<Integer> I32 = VectorSpecies.of(int.class, F32.vectorShape());
  private static final VectorSpecies<Short> HALF =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F32.vectorBitSize() / 2));
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final VectorOperators.Conversion<Short, Integer> S2I = VectorOperators.S2I;
  private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;
  private static final int PANEL = Bf16Panels.PANEL;
  private static final int LANES = WeightVectors.LANES;
  private static final long HALF_PANEL_BYTES = (long) LANES * 2;

  private Bf16PanelMatMul() {}

  /**
   * Multiplies {@code tokens} activation rows of {@code x} (row-major, {@code cols} wide) by {@code w}'s
   * transpose into {@code out} (row-major, {@code rows} wide).
   */
  static void multiply(Bf16Panels w, float[] x, float[] out, int tokens, ParallelRunner parallel) {
    int rows = w.rows();
    int cols = w.cols();
    PanelOutputs.check(w.name(), rows, cols, x, out, tokens);
    MemorySegment data = w.data();
    if (tokens == 1) {
      // A lone decode has a task of its own, so the JIT compiles its loop apart from the batched ones.
      parallel.forRange(w.panels(), (long) PANEL * cols, (from, to) -> {
        for (int p = from; p < to; p++) {
          panelTimesOne(data, p, cols, x, 0, out, rows);
        }
      });
      return;
    }
    parallel.forRange(
        w.panels(),
        (long) PANEL * cols * tokens,
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int t = 0;
            for (; t + 12 <= tokens; t += 12) {
              panelTimesTwelve(data, p, cols, x, t, out, rows);
            }
            for (; t + 8 <= tokens; t += 8) {
              panelTimesEight(data, p, cols, x, t, out, rows);
            }
            for (; t + 4 <= tokens; t += 4) {
              panelTimesFour(data, p, cols, x, t, out, rows);
            }
            for (; t < tokens; t++) {
              panelTimesOne(data, p, cols, x, t, out, rows);
            }
          }
        });
  }

  /** Panel {@code p} times token {@code t}: two accumulators, the decode of one sequence. */
  private static void panelTimesOne(MemorySegment w, int p, int cols, float[] x, int t, float[] out, int rows) {
    long base = (long) p * PANEL * cols * 2;
    int x0 = t * cols;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    for (int c = 0; c < cols; c++) {
      long at = base + (long) c * PANEL * 2;
      FloatVector w0 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w1 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at + HALF_PANEL_BYTES, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector b = FloatVector.broadcast(F32, x[x0 + c]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
    }
    int first = p * PANEL;
    if (first + PANEL <= rows) {
      a00.intoArray(out, t * rows + first);
      a01.intoArray(out, t * rows + first + LANES);
    } else {
      float[] tail = new float[1 * PANEL];
      a00.intoArray(tail, 0);
      a01.intoArray(tail, LANES);
      PanelOutputs.copyTail(tail, 1, out, t, p, rows);
    }
  }

  /** Panel {@code p} times tokens {@code t..t+3}: eight accumulators. */
  private static void panelTimesFour(MemorySegment w, int p, int cols, float[] x, int t, float[] out, int rows) {
    long base = (long) p * PANEL * cols * 2;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    for (int c = 0; c < cols; c++) {
      long at = base + (long) c * PANEL * 2;
      FloatVector w0 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w1 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at + HALF_PANEL_BYTES, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector b = FloatVector.broadcast(F32, x[x0 + c]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
      b = FloatVector.broadcast(F32, x[x1 + c]);
      a10 = w0.fma(b, a10);
      a11 = w1.fma(b, a11);
      b = FloatVector.broadcast(F32, x[x2 + c]);
      a20 = w0.fma(b, a20);
      a21 = w1.fma(b, a21);
      b = FloatVector.broadcast(F32, x[x3 + c]);
      a30 = w0.fma(b, a30);
      a31 = w1.fma(b, a31);
    }
    int first = p * PANEL;
    if (first + PANEL <= rows) {
      a00.intoArray(out, t * rows + first);
      a01.intoArray(out, t * rows + first + LANES);
      a10.intoArray(out, (t + 1) * rows + first);
      a11.intoArray(out, (t + 1) * rows + first + LANES);
      a20.intoArray(out, (t + 2) * rows + first);
      a21.intoArray(out, (t + 2) * rows + first + LANES);
      a30.intoArray(out, (t + 3) * rows + first);
      a31.intoArray(out, (t + 3) * rows + first + LANES);
    } else {
      float[] tail = new float[4 * PANEL];
      a00.intoArray(tail, 0);
      a01.intoArray(tail, LANES);
      a10.intoArray(tail, 1 * PANEL);
      a11.intoArray(tail, 1 * PANEL + LANES);
      a20.intoArray(tail, 2 * PANEL);
      a21.intoArray(tail, 2 * PANEL + LANES);
      a30.intoArray(tail, 3 * PANEL);
      a31.intoArray(tail, 3 * PANEL + LANES);
      PanelOutputs.copyTail(tail, 4, out, t, p, rows);
    }
  }

  /** Panel {@code p} times tokens {@code t..t+7}: sixteen accumulators. */
  private static void panelTimesEight(MemorySegment w, int p, int cols, float[] x, int t, float[] out, int rows) {
    long base = (long) p * PANEL * cols * 2;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    int x4 = x3 + cols;
    int x5 = x4 + cols;
    int x6 = x5 + cols;
    int x7 = x6 + cols;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    FloatVector a40 = a00;
    FloatVector a41 = a00;
    FloatVector a50 = a00;
    FloatVector a51 = a00;
    FloatVector a60 = a00;
    FloatVector a61 = a00;
    FloatVector a70 = a00;
    FloatVector a71 = a00;
    for (int c = 0; c < cols; c++) {
      long at = base + (long) c * PANEL * 2;
      FloatVector w0 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w1 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at + HALF_PANEL_BYTES, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector b = FloatVector.broadcast(F32, x[x0 + c]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
      b = FloatVector.broadcast(F32, x[x1 + c]);
      a10 = w0.fma(b, a10);
      a11 = w1.fma(b, a11);
      b = FloatVector.broadcast(F32, x[x2 + c]);
      a20 = w0.fma(b, a20);
      a21 = w1.fma(b, a21);
      b = FloatVector.broadcast(F32, x[x3 + c]);
      a30 = w0.fma(b, a30);
      a31 = w1.fma(b, a31);
      b = FloatVector.broadcast(F32, x[x4 + c]);
      a40 = w0.fma(b, a40);
      a41 = w1.fma(b, a41);
      b = FloatVector.broadcast(F32, x[x5 + c]);
      a50 = w0.fma(b, a50);
      a51 = w1.fma(b, a51);
      b = FloatVector.broadcast(F32, x[x6 + c]);
      a60 = w0.fma(b, a60);
      a61 = w1.fma(b, a61);
      b = FloatVector.broadcast(F32, x[x7 + c]);
      a70 = w0.fma(b, a70);
      a71 = w1.fma(b, a71);
    }
    int first = p * PANEL;
    if (first + PANEL <= rows) {
      a00.intoArray(out, t * rows + first);
      a01.intoArray(out, t * rows + first + LANES);
      a10.intoArray(out, (t + 1) * rows + first);
      a11.intoArray(out, (t + 1) * rows + first + LANES);
      a20.intoArray(out, (t + 2) * rows + first);
      a21.intoArray(out, (t + 2) * rows + first + LANES);
      a30.intoArray(out, (t + 3) * rows + first);
      a31.intoArray(out, (t + 3) * rows + first + LANES);
      a40.intoArray(out, (t + 4) * rows + first);
      a41.intoArray(out, (t + 4) * rows + first + LANES);
      a50.intoArray(out, (t + 5) * rows + first);
      a51.intoArray(out, (t + 5) * rows + first + LANES);
      a60.intoArray(out, (t + 6) * rows + first);
      a61.intoArray(out, (t + 6) * rows + first + LANES);
      a70.intoArray(out, (t + 7) * rows + first);
      a71.intoArray(out, (t + 7) * rows + first + LANES);
    } else {
      float[] tail = new float[8 * PANEL];
      a00.intoArray(tail, 0);
      a01.intoArray(tail, LANES);
      a10.intoArray(tail, 1 * PANEL);
      a11.intoArray(tail, 1 * PANEL + LANES);
      a20.intoArray(tail, 2 * PANEL);
      a21.intoArray(tail, 2 * PANEL + LANES);
      a30.intoArray(tail, 3 * PANEL);
      a31.intoArray(tail, 3 * PANEL + LANES);
      a40.intoArray(tail, 4 * PANEL);
      a41.intoArray(tail, 4 * PANEL + LANES);
      a50.intoArray(tail, 5 * PANEL);
      a51.intoArray(tail, 5 * PANEL + LANES);
      a60.intoArray(tail, 6 * PANEL);
      a61.intoArray(tail, 6 * PANEL + LANES);
      a70.intoArray(tail, 7 * PANEL);
      a71.intoArray(tail, 7 * PANEL + LANES);
      PanelOutputs.copyTail(tail, 8, out, t, p, rows);
    }
  }

  /** Panel {@code p} times tokens {@code t..t+11}: 24 accumulators. */
  private static void panelTimesTwelve(MemorySegment w, int p, int cols, float[] x, int t, float[] out, int rows) {
    long base = (long) p * PANEL * cols * 2;
    int x0 = t * cols;
    int x1 = x0 + cols;
    int x2 = x1 + cols;
    int x3 = x2 + cols;
    int x4 = x3 + cols;
    int x5 = x4 + cols;
    int x6 = x5 + cols;
    int x7 = x6 + cols;
    int x8 = x7 + cols;
    int x9 = x8 + cols;
    int x10 = x9 + cols;
    int x11 = x10 + cols;
    FloatVector a000 = FloatVector.zero(F32);
    FloatVector a001 = a000;
    FloatVector a010 = a000;
    FloatVector a011 = a000;
    FloatVector a020 = a000;
    FloatVector a021 = a000;
    FloatVector a030 = a000;
    FloatVector a031 = a000;
    FloatVector a040 = a000;
    FloatVector a041 = a000;
    FloatVector a050 = a000;
    FloatVector a051 = a000;
    FloatVector a060 = a000;
    FloatVector a061 = a000;
    FloatVector a070 = a000;
    FloatVector a071 = a000;
    FloatVector a080 = a000;
    FloatVector a081 = a000;
    FloatVector a090 = a000;
    FloatVector a091 = a000;
    FloatVector a100 = a000;
    FloatVector a101 = a000;
    FloatVector a110 = a000;
    FloatVector a111 = a000;
    for (int c = 0; c < cols; c++) {
      long at = base + (long) c * PANEL * 2;
      FloatVector w0 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector w1 =
          ((IntVector) ShortVector.fromMemorySegment(HALF, w, at + HALF_PANEL_BYTES, LE).convertShape(S2I, I32, 0))
              .lanewise(LSHL, 16)
              .reinterpretAsFloats();
      FloatVector b = FloatVector.broadcast(F32, x[x0 + c]);
      a000 = w0.fma(b, a000);
      a001 = w1.fma(b, a001);
      b = FloatVector.broadcast(F32, x[x1 + c]);
      a010 = w0.fma(b, a010);
      a011 = w1.fma(b, a011);
      b = FloatVector.broadcast(F32, x[x2 + c]);
      a020 = w0.fma(b, a020);
      a021 = w1.fma(b, a021);
      b = FloatVector.broadcast(F32, x[x3 + c]);
      a030 = w0.fma(b, a030);
      a031 = w1.fma(b, a031);
      b = FloatVector.broadcast(F32, x[x4 + c]);
      a040 = w0.fma(b, a040);
      a041 = w1.fma(b, a041);
      b = FloatVector.broadcast(F32, x[x5 + c]);
      a050 = w0.fma(b, a050);
      a051 = w1.fma(b, a051);
      b = FloatVector.broadcast(F32, x[x6 + c]);
      a060 = w0.fma(b, a060);
      a061 = w1.fma(b, a061);
      b = FloatVector.broadcast(F32, x[x7 + c]);
      a070 = w0.fma(b, a070);
      a071 = w1.fma(b, a071);
      b = FloatVector.broadcast(F32, x[x8 + c]);
      a080 = w0.fma(b, a080);
      a081 = w1.fma(b, a081);
      b = FloatVector.broadcast(F32, x[x9 + c]);
      a090 = w0.fma(b, a090);
      a091 = w1.fma(b, a091);
      b = FloatVector.broadcast(F32, x[x10 + c]);
      a100 = w0.fma(b, a100);
      a101 = w1.fma(b, a101);
      b = FloatVector.broadcast(F32, x[x11 + c]);
      a110 = w0.fma(b, a110);
      a111 = w1.fma(b, a111);
    }
    int first = p * PANEL;
    if (first + PANEL <= rows) {
      a000.intoArray(out, t * rows + first);
      a001.intoArray(out, t * rows + first + LANES);
      a010.intoArray(out, (t + 1) * rows + first);
      a011.intoArray(out, (t + 1) * rows + first + LANES);
      a020.intoArray(out, (t + 2) * rows + first);
      a021.intoArray(out, (t + 2) * rows + first + LANES);
      a030.intoArray(out, (t + 3) * rows + first);
      a031.intoArray(out, (t + 3) * rows + first + LANES);
      a040.intoArray(out, (t + 4) * rows + first);
      a041.intoArray(out, (t + 4) * rows + first + LANES);
      a050.intoArray(out, (t + 5) * rows + first);
      a051.intoArray(out, (t + 5) * rows + first + LANES);
      a060.intoArray(out, (t + 6) * rows + first);
      a061.intoArray(out, (t + 6) * rows + first + LANES);
      a070.intoArray(out, (t + 7) * rows + first);
      a071.intoArray(out, (t + 7) * rows + first + LANES);
      a080.intoArray(out, (t + 8) * rows + first);
      a081.intoArray(out, (t + 8) * rows + first + LANES);
      a090.intoArray(out, (t + 9) * rows + first);
      a091.intoArray(out, (t + 9) * rows + first + LANES);
      a100.intoArray(out, (t + 10) * rows + first);
      a101.intoArray(out, (t + 10) * rows + first + LANES);
      a110.intoArray(out, (t + 11) * rows + first);
      a111.intoArray(out, (t + 11) * rows + first + LANES);
    } else {
      float[] tail = new float[12 * PANEL];
      a000.intoArray(tail, 0 * PANEL);
      a001.intoArray(tail, 0 * PANEL + LANES);
      a010.intoArray(tail, 1 * PANEL);
      a011.intoArray(tail, 1 * PANEL + LANES);
      a020.intoArray(tail, 2 * PANEL);
      a021.intoArray(tail, 2 * PANEL + LANES);
      a030.intoArray(tail, 3 * PANEL);
      a031.intoArray(tail, 3 * PANEL + LANES);
      a040.intoArray(tail, 4 * PANEL);
      a041.intoArray(tail, 4 * PANEL + LANES);
      a050.intoArray(tail, 5 * PANEL);
      a051.intoArray(tail, 5 * PANEL + LANES);
      a060.intoArray(tail, 6 * PANEL);
      a061.intoArray(tail, 6 * PANEL + LANES);
      a070.intoArray(tail, 7 * PANEL);
      a071.intoArray(tail, 7 * PANEL + LANES);
      a080.intoArray(tail, 8 * PANEL);
      a081.intoArray(tail, 8 * PANEL + LANES);
      a090.intoArray(tail, 9 * PANEL);
      a091.intoArray(tail, 9 * PANEL + LANES);
      a100.intoArray(tail, 10 * PANEL);
      a101.intoArray(tail, 10 * PANEL + LANES);
      a110.intoArray(tail, 11 * PANEL);
      a111.intoArray(tail, 11 * PANEL + LANES);
      PanelOutputs.copyTail(tail, 12, out, t, p, rows);
    }
  }

}
