package io.fathom.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** bf16 panels: the packing keeps every weight, and the kernels equal a plain f64 product of the checkpoint. */
class Bf16PanelMatMulTest {

  private static Tensor bf16(Arena arena, int rows, int cols, SplittableRandom random) {
    MemorySegment data = arena.allocate((long) rows * cols * 2 + 1).asSlice(1); // unaligned on purpose
    for (long i = 0; i < (long) rows * cols; i++) {
      DType.BF16.write(data, i, (float) random.nextGaussian());
    }
    return new Tensor("w", DType.BF16, List.of((long) rows, (long) cols), data);
  }

  private static float[] activations(int n, SplittableRandom random) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  @Test
  void packingKeepsEveryWeightAndPadsTheLastPanelWithZeros() {
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Tensor w = bf16(arena, 70, 13, new SplittableRandom(3));
      Bf16Panels panels = Bf16Panels.pack(w, arena, parallel);
      assertThat(panels.panels()).isEqualTo(3);
      assertThat(panels.byteSize()).isEqualTo(3L * 32 * 13 * 2);
      for (int r = 0; r < 70; r++) {
        for (int c = 0; c < 13; c++) {
          assertThat(panels.get(r, c)).as("(%d, %d)", r, c).isEqualTo(w.get((long) r * 13 + c));
        }
      }
      for (int r = 70; r < 96; r++) {
        for (int c = 0; c < 13; c++) {
          assertThat(panels.get(r, c)).isZero();
        }
      }
    }
  }

  @ParameterizedTest(name = "[{0} x {1}] x {2} tokens")
  @CsvSource({"64, 40, 1", "70, 37, 1", "70, 300, 19", "32, 9, 8", "5, 33, 4", "96, 64, 13", "40, 2600, 12"})
  void matchesAPlainProduct(int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 1000L + cols * 10L + tokens);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Tensor w = bf16(arena, rows, cols, random);
      float[] x = activations(tokens * cols, random);
      float[] out = new float[tokens * rows + 3];
      Arrays.fill(out, Float.NaN);
      Bf16PanelMatMul.multiply(Bf16Panels.pack(w, arena, parallel), x, out, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        for (int r = 0; r < rows; r++) {
          double expected = 0;
          for (int c = 0; c < cols; c++) {
            expected += (double) w.get((long) r * cols + c) * x[t * cols + c];
          }
          assertThat((double) out[t * rows + r]).as("token %d row %d", t, r)
              .isCloseTo(expected, offset(1e-4 * Math.sqrt(cols)));
        }
      }
      assertThat(Arrays.copyOfRange(out, tokens * rows, out.length)).as("nothing past the outputs").containsOnly(Float.NaN);
    }
  }

  @ParameterizedTest(name = "[{0} x {1}] x {2} tokens")
  @CsvSource({"70, 300, 19", "40, 64, 8", "33, 100, 5", "40, 64, 27"})
  void eachTokensResultIsBitForBitTheSameAloneAsInABatch(int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 7L + cols + tokens);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      Bf16Panels w = Bf16Panels.pack(bf16(arena, rows, cols, random), arena, parallel);
      float[] x = activations(tokens * cols, random);
      float[] batch = new float[tokens * rows];
      Bf16PanelMatMul.multiply(w, x, batch, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        float[] alone = new float[rows];
        Bf16PanelMatMul.multiply(w, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), alone, 1, parallel);
        assertThat(Arrays.copyOfRange(batch, t * rows, (t + 1) * rows)).as("token %d", t).containsExactly(alone);
      }
    }
  }

  @Test
  void refusesOtherDtypesAndBuffersTooSmall() {
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(1)) {
      Tensor f32 = new Tensor("f", DType.F32, List.of(4L, 8L), arena.allocate(128));
      assertThatThrownBy(() -> Bf16Panels.pack(f32, arena, parallel))
          .hasMessage("f: only bf16 matrices are packed into panels, got F32 [4, 8]");
      Bf16Panels w = Bf16Panels.pack(bf16(arena, 4, 8, new SplittableRandom(1)), arena, parallel);
      assertThatThrownBy(() -> Bf16PanelMatMul.multiply(w, new float[8], new float[8], 2, parallel))
          .hasMessage("w: 2 tokens need x of 16 and out of 8 floats, got 8 and 8");
    }
  }
}
