package io.fathom.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code out[t, r] = Σ_c W[r, c] · x[t, c]} for an {@link Int8Matrix}, dequantized on the fly and accumulated in
 * f32, over its panels as {@link Bf16PanelMatMul} goes over bf16 ones: threads split the panels; a panel is one
 * sequential stream; for each block its 32 scales become two vectors, and each column's 32 int8 weights are
 * widened to two float vectors, multiplied by the scales, and added times each token's activation (broadcast)
 * into accumulators that hold 32 outputs. Twelve tokens go through a panel at once, then eight, four, one (the
 * twelve-token group measured 27% faster than groups of eight on 24 tokens: 86 against 67–69 GFMA/s).
 *
 * <p>Every output is the same sum in the same order whichever group computes it, so a token's result does not
 * depend on what else is in its batch, bit for bit. CPUs whose vectors hold fewer than 8 floats take a scalar
 * path over the same layout.
 */
public final class Int8MatMul {

  private static final VectorSpecies<Float> F32 = WeightVectors.F32;
  private static final int LANES = WeightVectors.LANES;
  private static final int BLOCK = Int8Matrix.BLOCK;
  private static final int PANEL = Int8Matrix.PANEL;
  private static final int SCALES_BYTES = Int8Matrix.SCALES_BYTES;
  private static final ValueLayout.OfShort SCALE = Int8Matrix.SCALE;
  /** One byte per float lane: 64 bits of int8 for 8 floats, 128 for 16. */
  private static final boolean VECTORIZED = LANES >= 8;
  private static final VectorSpecies<Byte> I8 =
      VECTORIZED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F32.vectorBitSize() / 4)) : null;
  private static final VectorOperators.Conversion<Byte, Float> B2F = VectorOperators.B2F;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final VectorSpecies<Integer> I32 = VectorSpecies.of(int.class, F32.vectorShape());
  private static final VectorSpecies<Short> HALF =
      VECTORIZED ? VectorSpecies.of(short.class, VectorShape.forBitSize(F32.vectorBitSize() / 2)) : null;
  private static final VectorOperators.Conversion<Short, Integer> S2I = VectorOperators.S2I;
  private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;

  private Int8MatMul() {}

  /** Multiplies {@code tokens} rows of {@code x} ({@code cols} wide) by {@code w}'s transpose into {@code out}. */
  public static void multiply(Int8Matrix w, float[] x, float[] out, int tokens, ParallelRunner parallel) {
    multiply(w, x, out, tokens, parallel, VECTORIZED);
  }

  /** As {@link #multiply(Int8Matrix, float[], float[], int, ParallelRunner)}, on the scalar path unless {@code vectorized}. */
  static void multiply(Int8Matrix w, float[] x, float[] out, int tokens, ParallelRunner parallel, boolean vectorized) {
    int rows = w.rows();
    int cols = w.cols();
    PanelOutputs.check(w.name(), rows, cols, x, out, tokens);
    MemorySegment data = w.data();
    long panelBytes = Int8Matrix.panelBytes(cols);
    if (!vectorized) {
      parallel.forRange(w.panels(), (long) PANEL * cols * tokens, (from, to) -> {
        for (int p = from; p < to; p++) {
          panelScalar(data, panelBytes, p, cols, x, tokens, out, rows);
        }
      });
      return;
    }
    if (tokens == 1) {
      // A lone decode has a task of its own, so the JIT compiles its loop apart from the batched ones.
      parallel.forRange(w.panels(), (long) PANEL * cols, (from, to) -> {
        for (int p = from; p < to; p++) {
          panelTimesOne(data, panelBytes, p, cols, x, 0, out, rows);
        }
      });
      return;
    }
    parallel.forRange(
        w.panels(),
        (long) PANEL * cols * tokens,
        (from, to) -> {
          float[] scales = new float[Int8Matrix.blocksPerRow(cols) * BLOCK];
          for (int p = from; p < to; p++) {
            int t = 0;
            if (tokens >= 4) {
              panelScales(data, p * panelBytes, cols, scales);
            }
            for (; t + 12 <= tokens; t += 12) {
              panelTimesTwelve(data, panelBytes, scales, p, cols, x, t, out, rows);
            }
            for (; t + 8 <= tokens; t += 8) {
              panelTimesEight(data, panelBytes, scales, p, cols, x, t, out, rows);
            }
            for (; t + 4 <= tokens; t += 4) {
              panelTimesFour(data, panelBytes, scales, p, cols, x, t, out, rows);
            }
            for (; t < tokens; t++) {
              panelTimesOne(data, panelBytes, p, cols, x, t, out, rows);
            }
          }
        });
  }

  /** Panel {@code p} times token {@code t}: two accumulators, the decode of one sequence. */
  private static void panelTimesOne(MemorySegment w, long panelBytes, int p, int cols, float[] x, int t, float[] out, int rows) {
    int x0 = t * cols;
    FloatVector a00 = FloatVector.zero(F32);
    FloatVector a01 = a00;
    FloatVector s0 = a00;
    FloatVector s1 = a00;
    long q = p * panelBytes;
    for (int c = 0; c < cols; c++, q += PANEL) {
      if ((c & (BLOCK - 1)) == 0) {
        // A block starts with its 32 f16 scales, widened in place: the f16 bits moved into an f32 and scaled by
        // 2^112 give the same value exactly, subnormals included.
        IntVector h0 = (IntVector) ShortVector.fromMemorySegment(HALF, w, q, LE).convertShape(S2I, I32, 0);
        s0 = h0.and(0x7FFF).lanewise(LSHL, 13).or(h0.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
        IntVector h1 = (IntVector) ShortVector.fromMemorySegment(HALF, w, q + LANES * 2, LE).convertShape(S2I, I32, 0);
        s1 = h1.and(0x7FFF).lanewise(LSHL, 13).or(h1.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
        q += SCALES_BYTES;
      }
      FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q, LE).convertShape(B2F, F32, 0)).mul(s0);
      FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q + LANES, LE).convertShape(B2F, F32, 0)).mul(s1);
      FloatVector v = FloatVector.broadcast(F32, x[x0 + c]);
      a00 = w0.fma(v, a00);
      a01 = w1.fma(v, a01);
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



  /** Panel {@code p} times tokens {@code t..t+3}: eight accumulators; the scales widened beforehand. */
  private static void panelTimesFour(
      MemorySegment w, long panelBytes, float[] scales, int p, int cols, float[] x, int t, float[] out, int rows) {
    long q = p * panelBytes;
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
    FloatVector s0 = a00;
    FloatVector s1 = a00;
    for (int c = 0; c < cols; c++, q += PANEL) {
      if ((c & (BLOCK - 1)) == 0) {
        s0 = FloatVector.fromArray(F32, scales, c);
        s1 = FloatVector.fromArray(F32, scales, c + LANES);
        q += SCALES_BYTES;
      }
      FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q, LE).convertShape(B2F, F32, 0)).mul(s0);
      FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q + LANES, LE).convertShape(B2F, F32, 0)).mul(s1);
      FloatVector v = FloatVector.broadcast(F32, x[x0 + c]);
      a00 = w0.fma(v, a00);
      a01 = w1.fma(v, a01);
      v = FloatVector.broadcast(F32, x[x1 + c]);
      a10 = w0.fma(v, a10);
      a11 = w1.fma(v, a11);
      v = FloatVector.broadcast(F32, x[x2 + c]);
      a20 = w0.fma(v, a20);
      a21 = w1.fma(v, a21);
      v = FloatVector.broadcast(F32, x[x3 + c]);
      a30 = w0.fma(v, a30);
      a31 = w1.fma(v, a31);
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




  /** Panel {@code p} times tokens {@code t..t+7}: sixteen accumulators; the scales widened beforehand. */
  private static void panelTimesEight(
      MemorySegment w, long panelBytes, float[] scales, int p, int cols, float[] x, int t, float[] out, int rows) {
    long q = p * panelBytes;
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
    FloatVector s0 = a00;
    FloatVector s1 = a00;
    for (int c = 0; c < cols; c++, q += PANEL) {
      if ((c & (BLOCK - 1)) == 0) {
        s0 = FloatVector.fromArray(F32, scales, c);
        s1 = FloatVector.fromArray(F32, scales, c + LANES);
        q += SCALES_BYTES;
      }
      FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q, LE).convertShape(B2F, F32, 0)).mul(s0);
      FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q + LANES, LE).convertShape(B2F, F32, 0)).mul(s1);
      FloatVector v = FloatVector.broadcast(F32, x[x0 + c]);
      a00 = w0.fma(v, a00);
      a01 = w1.fma(v, a01);
      v = FloatVector.broadcast(F32, x[x1 + c]);
      a10 = w0.fma(v, a10);
      a11 = w1.fma(v, a11);
      v = FloatVector.broadcast(F32, x[x2 + c]);
      a20 = w0.fma(v, a20);
      a21 = w1.fma(v, a21);
      v = FloatVector.broadcast(F32, x[x3 + c]);
      a30 = w0.fma(v, a30);
      a31 = w1.fma(v, a31);
      v = FloatVector.broadcast(F32, x[x4 + c]);
      a40 = w0.fma(v, a40);
      a41 = w1.fma(v, a41);
      v = FloatVector.broadcast(F32, x[x5 + c]);
      a50 = w0.fma(v, a50);
      a51 = w1.fma(v, a51);
      v = FloatVector.broadcast(F32, x[x6 + c]);
      a60 = w0.fma(v, a60);
      a61 = w1.fma(v, a61);
      v = FloatVector.broadcast(F32, x[x7 + c]);
      a70 = w0.fma(v, a70);
      a71 = w1.fma(v, a71);
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

  /** Panel {@code p} times tokens {@code t..t+11}: 24 accumulators; the scales widened beforehand. */
  private static void panelTimesTwelve(
      MemorySegment w, long panelBytes, float[] scales, int p, int cols, float[] x, int t, float[] out, int rows) {
    long q = p * panelBytes;
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
    FloatVector s0 = a000;
    FloatVector s1 = a000;
    for (int c = 0; c < cols; c++, q += PANEL) {
      if ((c & (BLOCK - 1)) == 0) {
        s0 = FloatVector.fromArray(F32, scales, c);
        s1 = FloatVector.fromArray(F32, scales, c + LANES);
        q += SCALES_BYTES;
      }
      FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q, LE).convertShape(B2F, F32, 0)).mul(s0);
      FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(I8, w, q + LANES, LE).convertShape(B2F, F32, 0)).mul(s1);
      FloatVector v = FloatVector.broadcast(F32, x[x0 + c]);
      a000 = w0.fma(v, a000);
      a001 = w1.fma(v, a001);
      v = FloatVector.broadcast(F32, x[x1 + c]);
      a010 = w0.fma(v, a010);
      a011 = w1.fma(v, a011);
      v = FloatVector.broadcast(F32, x[x2 + c]);
      a020 = w0.fma(v, a020);
      a021 = w1.fma(v, a021);
      v = FloatVector.broadcast(F32, x[x3 + c]);
      a030 = w0.fma(v, a030);
      a031 = w1.fma(v, a031);
      v = FloatVector.broadcast(F32, x[x4 + c]);
      a040 = w0.fma(v, a040);
      a041 = w1.fma(v, a041);
      v = FloatVector.broadcast(F32, x[x5 + c]);
      a050 = w0.fma(v, a050);
      a051 = w1.fma(v, a051);
      v = FloatVector.broadcast(F32, x[x6 + c]);
      a060 = w0.fma(v, a060);
      a061 = w1.fma(v, a061);
      v = FloatVector.broadcast(F32, x[x7 + c]);
      a070 = w0.fma(v, a070);
      a071 = w1.fma(v, a071);
      v = FloatVector.broadcast(F32, x[x8 + c]);
      a080 = w0.fma(v, a080);
      a081 = w1.fma(v, a081);
      v = FloatVector.broadcast(F32, x[x9 + c]);
      a090 = w0.fma(v, a090);
      a091 = w1.fma(v, a091);
      v = FloatVector.broadcast(F32, x[x10 + c]);
      a100 = w0.fma(v, a100);
      a101 = w1.fma(v, a101);
      v = FloatVector.broadcast(F32, x[x11 + c]);
      a110 = w0.fma(v, a110);
      a111 = w1.fma(v, a111);
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





  /**
   * The scales of the panel at byte {@code panel}, widened to floats in column order into {@code scales}:
   * {@code scales[32·b + i]} is row {@code i}'s scale for block {@code b}. Done once per panel for all its groups of tokens, apart from their loops, which C2 compiles
   * four times slower with the widening inside.
   */
  private static void panelScales(MemorySegment w, long panel, int cols, float[] scales) {
    int blocks = Int8Matrix.blocksPerRow(cols);
    for (int b = 0; b < blocks; b++) {
      long block = panel + Int8Matrix.blockOffset(b);
      widenScales(w, block).intoArray(scales, b * BLOCK);
      widenScales(w, block + LANES * 2).intoArray(scales, b * BLOCK + LANES);
    }
  }

  /**
   * {@link #LANES} f16 scales at byte {@code at}, widened exactly: the f16 bits moved into an f32 and scaled by
   * 2^112 are the same value, subnormals included.
   */
  private static FloatVector widenScales(MemorySegment w, long at) {
    IntVector h = (IntVector) ShortVector.fromMemorySegment(HALF, w, at, LE).convertShape(S2I, I32, 0);
    return h.and(0x7FFF).lanewise(LSHL, 13).or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
  }

  /** Panel {@code p} times every token, one weight at a time: the same sums in the same order. */
  private static void panelScalar(
      MemorySegment w, long panelBytes, int p, int cols, float[] x, int tokens, float[] out, int rows) {
    long panel = p * panelBytes;
    int count = Math.min(PANEL, rows - p * PANEL);
    for (int t = 0; t < tokens; t++) {
      for (int i = 0; i < count; i++) {
        float sum = 0;
        for (int start = 0, b = 0; start < cols; start += BLOCK, b++) {
          long block = panel + Int8Matrix.blockOffset(b);
          float scale = Float.float16ToFloat(w.get(SCALE, block + 2L * i));
          int end = Math.min(cols, start + BLOCK);
          for (int c = start; c < end; c++) {
            float weight = w.get(ValueLayout.JAVA_BYTE, block + SCALES_BYTES + (long) (c - start) * PANEL + i) * scale;
            sum = Math.fma(weight, x[t * cols + c], sum);
          }
        }
        out[t * rows + p * PANEL + i] = sum;
      }
    }
  }
}
