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

/** The matrix kernels against a plain f64 product of the same (already rounded) weights. */
class MatMulTest {

  @ParameterizedTest(name = "{0} [{1} x {2}] x {3} tokens")
  @CsvSource({
    "BF16, 37, 64, 1", "BF16, 37, 100, 9", "BF16, 3, 7, 5", "BF16, 40, 33, 4", "BF16, 17, 48, 1", "BF16, 40, 8200, 1",
    "F16, 37, 64, 1", "F16, 37, 100, 9", "F16, 5, 15, 6",
    "F32, 37, 64, 1", "F32, 37, 100, 9", "F32, 5, 15, 6",
  })
  void matchesAPlainProduct(DType dtype, int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 1000L + cols * 10L + tokens);
    try (Arena arena = Arena.ofShared(); // worker threads read the weights
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      MemorySegment data = arena.allocate((long) rows * cols * dtype.bytes() + 1).asSlice(1); // unaligned on purpose
      for (long i = 0; i < (long) rows * cols; i++) {
        dtype.write(data, i, (float) random.nextGaussian());
      }
      Tensor w = new Tensor("w", dtype, List.of((long) rows, (long) cols), data);
      float[] x = new float[tokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] out = new float[tokens * rows];
      MatMul.multiply(w, x, out, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        for (int r = 0; r < rows; r++) {
          double expected = 0;
          for (int c = 0; c < cols; c++) {
            expected += (double) w.get((long) r * cols + c) * x[t * cols + c];
          }
          assertThat((double) out[t * rows + r]).as("token %d row %d", t, r).isCloseTo(expected, offset(1e-4 * Math.sqrt(cols)));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} [{1} x {2}] x {3} tokens")
  @CsvSource({"BF16, 37, 100, 9", "BF16, 21, 64, 8", "BF16, 6, 32, 5", "BF16, 40, 8200, 5", "F16, 13, 100, 6", "F32, 9, 40, 7"})
  void eachTokensResultIsTheSameAloneAsInABatch(DType dtype, int rows, int cols, int tokens) {
    SplittableRandom random = new SplittableRandom(rows * 7L + cols + tokens);
    try (Arena arena = Arena.ofShared();
        ParallelRunner parallel = new ParallelRunner(2, 0)) {
      MemorySegment data = arena.allocate((long) rows * cols * dtype.bytes());
      for (long i = 0; i < (long) rows * cols; i++) {
        dtype.write(data, i, (float) random.nextGaussian());
      }
      Tensor w = new Tensor("w", dtype, List.of((long) rows, (long) cols), data);
      float[] x = new float[tokens * cols];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] batch = new float[tokens * rows];
      MatMul.multiply(w, x, batch, tokens, parallel);
      for (int t = 0; t < tokens; t++) {
        float[] alone = new float[rows];
        MatMul.multiply(w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), alone, 1, parallel);
        // The same arithmetic either way; only the Vector API's reduction order may differ between the
        // interpreter and compiled code while the kernels warm up: a few units in the last place.
        for (int r = 0; r < rows; r++) {
          float expected = alone[r];
          assertThat(batch[t * rows + r]).as("token %d row %d", t, r).isCloseTo(expected, offset(4 * Math.ulp(Math.abs(expected) + 1f) * cols));
        }
      }
    }
  }

  @Test
  void rejectsBuffersTooSmallForTheBatch() {
    try (Arena arena = Arena.ofConfined();
        ParallelRunner parallel = new ParallelRunner(1)) {
      Tensor w = new Tensor("w", DType.F32, List.of(4L, 8L), arena.allocate(128));
      assertThatThrownBy(() -> MatMul.multiply(w, new float[8], new float[8], 2, parallel))
          .hasMessageContaining("w: 2 tokens need x of 16 and out of 8 floats, got 8 and 8");
    }
  }
}
