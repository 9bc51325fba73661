package io.fathom.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Per-block-32 int8 quantization, and its kernel against a scalar product of the same quantized weights. */
class Int8MatMulTest {

  @Test
  void quantizesHandWorkedBlocksToTheExpectedValuesAndScales() {
    // 2 rows of 40 columns: a full block of 32, then a short block of 8.
    float[][] rows = new float[2][40];
    rows[0][0] = 2.54f; // max |w| of row 0, block 0: scale 2.54 / 127 = 0.02
    rows[0][1] = -1.0f; // -50
    rows[0][2] = 0.5f; // 25
    rows[0][3] = 0.036f; // 1.8 -> 2
    rows[0][4] = -0.004f; // -0.2 -> 0
    // row 0, block 1 is all zeros: scale 0, values 0
    rows[1][0] = -6.35f; // a negative maximum: scale 0.05, -127
    rows[1][1] = 3.0f; // 60
    rows[1][2] = 0.1f; // 2
    rows[1][31] = 6.0f; // 120
    rows[1][32] = 0.5f; // short block: scale 0.5 / 127, 127
    rows[1][39] = -0.2f; // -50.8 -> -51
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Int8Matrix q = Int8Matrix.quantize(tensor(arena, DType.F32, rows), arena, parallel);

      assertThat(q.blocksPerRow()).isEqualTo(2);
      // Scales are stored as f16, as Q8_0 stores them: the nearest f16 to max / 127.
      assertThat(q.scale(0, 0)).isEqualTo(0.0200042724609375f); // f16 nearest to 0.02
      assertThat(q.scale(0, 1)).isZero();
      assertThat(q.scale(1, 0)).isEqualTo(0.04998779296875f); // f16 nearest to 0.05
      assertThat(q.scale(1, 1)).isEqualTo(0.003936767578125f); // f16 nearest to 0.5 / 127
      assertThat(new int[] {q.quant(0, 0), q.quant(0, 1), q.quant(0, 2), q.quant(0, 3), q.quant(0, 4), q.quant(0, 5)})
          .containsExactly(127, -50, 25, 2, 0, 0);
      for (int c = 32; c < 40; c++) {
        assertThat(q.quant(0, c)).isZero();
      }
      assertThat(new int[] {q.quant(1, 0), q.quant(1, 1), q.quant(1, 2), q.quant(1, 31), q.quant(1, 32), q.quant(1, 39)})
          .containsExactly(-127, 60, 2, 120, 127, -51);
      for (int c = 3; c < 31; c++) {
        assertThat(q.quant(1, c)).isZero();
      }
      // Dequantized: within half a step of the original.
      assertThat(q.dequantize(0, 0)).isEqualTo(127 * 0.0200042724609375f);
      assertThat(q.dequantize(0, 3)).isEqualTo(2 * 0.0200042724609375f);
      assertThat(q.dequantize(0, 4)).isZero();
      assertThat(q.dequantize(1, 0)).isEqualTo(-127 * 0.04998779296875f);
      assertThat(q.dequantize(1, 39)).isEqualTo(-51 * 0.003936767578125f);
      // A byte a value and two bytes a scale, for the 32 rows of the one panel (30 of them padding).
      assertThat(q.byteSize()).isEqualTo(32 * (40 + 2 * 2));
      assertThat(Int8Matrix.byteSize(2, 40)).isEqualTo(q.byteSize());
    }
  }

  @Test
  void refusesNaNsAndABlockWhoseScaleOverflowsF16AndZeroesOneThatUnderflows() {
    float[][] rows = new float[2][32];
    rows[0][5] = 1e7f; // max / 127 = 78,740: beyond f16's 65,504
    rows[1][0] = 1e-7f; // max / 127 rounds to an f16 of 0
    rows[1][1] = -5e-8f;
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(1)) {
      Tensor big = tensor(arena, DType.F32, new float[][] {rows[0]});
      assertThatThrownBy(() -> Int8Matrix.quantize(big, arena, parallel))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("w: row 0, columns 0..31")
          .hasMessageContaining("f16 scale");
      float[] withNaN = new float[40];
      withNaN[35] = Float.NaN;
      assertThatThrownBy(() -> Int8Matrix.quantize(tensor(arena, DType.F32, new float[][] {withNaN}), arena, parallel))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("w: row 0, columns 32..39 hold a NaN");
      float[] withInfinity = new float[8];
      withInfinity[2] = Float.NEGATIVE_INFINITY;
      assertThatThrownBy(() -> Int8Matrix.quantize(tensor(arena, DType.F32, new float[][] {withInfinity}), arena, parallel))
          .hasMessageContaining("w: row 0, columns 0..7 reach |w| = Infinity");
      Int8Matrix tiny = Int8Matrix.quantize(tensor(arena, DType.F32, new float[][] {rows[1]}), arena, parallel);
      assertThat(tiny.scale(0, 0)).isZero();
      assertThat(tiny.quant(0, 0)).isZero();
      assertThat(tiny.quant(0, 1)).isZero();
    }
  }

  @Test
  void roundsHalfToEvenAndClamps() {
    assertThat(Int8Matrix.quantize(2.5f, 1f)).isEqualTo((byte) 2);
    assertThat(Int8Matrix.quantize(-3.5f, 1f)).isEqualTo((byte) -4);
    assertThat(Int8Matrix.quantize(500f, 1f)).isEqualTo((byte) 127);
    assertThat(Int8Matrix.quantize(-500f, 1f)).isEqualTo((byte) -127);
    assertThat(Int8Matrix.quantize(1f, 0f)).isZero();
  }

  @ParameterizedTest(name = "{0} [{1} x {2}]")
  @CsvSource({"BF16, 37, 100", "F16, 5, 64", "F32, 3, 7"})
  void randomWeightsRoundTripWithinHalfAStep(DType dtype, int rows, int cols) {
    SplittableRandom random = new SplittableRandom(rows + cols);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Tensor w = randomTensor(arena, dtype, rows, cols, random);
      Int8Matrix q = Int8Matrix.quantize(w, arena, parallel);
      for (int r = 0; r < rows; r++) {
        for (int b = 0; b < q.blocksPerRow(); b++) {
          float max = 0;
          int peak = 0;
          for (int c = b * 32; c < Math.min(cols, b * 32 + 32); c++) {
            float v = w.get((long) r * cols + c);
            max = Math.max(max, Math.abs(v));
            float step = q.scale(r, b);
            assertThat(Math.abs(q.dequantize(r, c) - v)).isLessThanOrEqualTo(step / 2 * 1.0001f + 1e-12f);
            peak = Math.max(peak, Math.abs(q.quant(r, c)));
          }
          assertThat(q.scale(r, b)).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(max / 127f)));
          assertThat(peak).isEqualTo(127);
        }
      }
    }
  }

  @ParameterizedTest(name = "[{0} x {1}] x {2} tokens")
  @CsvSource({"37, 64, 1", "37, 100, 9", "3, 7, 5", "40, 96, 4", "17, 160, 1", "8, 31, 6", "300, 72, 2", "40, 8200, 1", "37, 100, 25", "33, 40, 12"})
  void matchesAScalarProductOfTheQuantizedWeights(int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 1000L + cols * 10L + tokens);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Int8Matrix q = Int8Matrix.quantize(randomTensor(arena, DType.BF16, rows, cols, random), arena, parallel);
      float[] x = new float[tokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] out = new float[tokens * rows];
      Int8MatMul.multiply(q, x, out, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        for (int r = 0; r < rows; r++) {
          double expected = 0;
          for (int c = 0; c < cols; c++) {
            expected += (double) q.quant(r, c) * q.scale(r, c / Int8Matrix.BLOCK) * x[t * cols + c];
          }
          // One f32 sum over all columns in order: its rounding grows with the columns and the sum's size.
          assertThat((double) out[t * rows + r])
              .as("token %d row %d", t, r)
              .isCloseTo(expected, offset(2e-6 * Math.sqrt(cols) * (1 + Math.abs(expected) / 32)));
        }
      }
    }
  }

  @ParameterizedTest(name = "[{0} x {1}] x {2} tokens")
  @CsvSource({"37, 100, 9", "21, 64, 8", "6, 32, 5", "9, 31, 4", "40, 8200, 5", "37, 100, 27"})
  void eachTokensResultIsTheSameAloneAsInABatch(int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 7L + cols + tokens);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Int8Matrix q = Int8Matrix.quantize(randomTensor(arena, DType.BF16, rows, cols, random), arena, parallel);
      float[] x = new float[tokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] batch = new float[tokens * rows];
      Int8MatMul.multiply(q, x, batch, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        float[] alone = new float[rows];
        Int8MatMul.multiply(q, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), alone, 1, parallel);
        assertThat(java.util.Arrays.copyOfRange(batch, t * rows, (t + 1) * rows)).as("token %d", t).containsExactly(alone);
      }
    }
  }

  @ParameterizedTest(name = "[{0} x {1}] x {2} tokens")
  @CsvSource({"37, 100, 9", "33, 40, 1", "37, 100, 13"})
  void theScalarPathForNarrowVectorsGivesTheSameResults(int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 3L + cols + tokens);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Int8Matrix q = Int8Matrix.quantize(randomTensor(arena, DType.BF16, rows, cols, random), arena, parallel);
      float[] x = new float[tokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] vector = new float[tokens * rows];
      float[] scalar = new float[tokens * rows];
      Int8MatMul.multiply(q, x, vector, tokens, parallel, true);
      Int8MatMul.multiply(q, x, scalar, tokens, parallel, false);
      assertThat(scalar).containsExactly(vector);
    }
  }

  @ParameterizedTest(name = "{0} tokens")
  @CsvSource({"1", "9"})
  void subnormalF16ScalesAreWidenedExactly(int tokens) {
    // Weights under 0.0078 in magnitude get scales below f16's smallest normal (6.1e-5): subnormal f16s.
    int rows = 40;
    int cols = 96;
    SplittableRandom random = new SplittableRandom(tokens);
    float[][] values = new float[rows][cols];
    for (float[] row : values) {
      for (int c = 0; c < cols; c++) {
        row[c] = (float) random.nextGaussian() * 1e-3f;
      }
    }
    values[3][5] = -0.5f; // and one block with a normal scale
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Int8Matrix q = Int8Matrix.quantize(tensor(arena, DType.F32, values), arena, parallel);
      assertThat(q.scale(0, 0)).isPositive().isLessThan(6.1e-5f);
      float[] x = new float[tokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] out = new float[tokens * rows];
      Int8MatMul.multiply(q, x, out, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        for (int r = 0; r < rows; r++) {
          double expected = 0;
          for (int c = 0; c < cols; c++) {
            expected += (double) q.quant(r, c) * q.scale(r, c / Int8Matrix.BLOCK) * x[t * cols + c];
          }
          assertThat((double) out[t * rows + r]).as("token %d row %d", t, r).isCloseTo(expected, offset(1e-6));
        }
      }
    }
  }

  @Test
  void rejectsBuffersTooSmallForTheBatch() {
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(1)) {
      Int8Matrix q = Int8Matrix.quantize(new Tensor("w", DType.F32, List.of(4L, 8L), arena.allocate(128)), arena, parallel);
      assertThatThrownBy(() -> Int8MatMul.multiply(q, new float[8], new float[8], 2, parallel))
          .hasMessageContaining("w: 2 tokens need x of 16 and out of 8 floats, got 8 and 8");
    }
  }

  @Test
  void theQuantizeOptionOffersInt8AndNothingLower() {
    assertThat(WeightFormat.fromOption("int8")).isEqualTo(WeightFormat.INT8);
    assertThat(WeightFormat.fromOption("none")).isEqualTo(WeightFormat.AS_STORED);
    assertThatThrownBy(() -> WeightFormat.fromOption("int4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'none' or 'int8', got 'int4'");
  }

  private static Tensor tensor(Arena arena, DType dtype, float[][] values) {
    int cols = values[0].length;
    MemorySegment data = arena.allocate((long) values.length * cols * dtype.bytes());
    for (int r = 0; r < values.length; r++) {
      for (int c = 0; c < cols; c++) {
        dtype.write(data, (long) r * cols + c, values[r][c]);
      }
    }
    return new Tensor("w", dtype, List.of((long) values.length, (long) cols), data);
  }

  private static Tensor randomTensor(Arena arena, DType dtype, int rows, int cols, SplittableRandom random) {
    float[][] values = new float[rows][cols];
    for (float[] row : values) {
      for (int c = 0; c < cols; c++) {
        row[c] = (float) random.nextGaussian();
      }
    }
    return tensor(arena, dtype, values);
  }
}
