package io.fathom.engine.cpu;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Benchmark (not a test): the panel kernels alone on one matrix shape, int8 ({@link Int8MatMul}) and bf16
 * ({@link Bf16PanelMatMul}) alternating in one process, for each token count: GFMA/s and the weight bytes
 * streamed a second. Arguments: {@code ROWS COLS MATRICES TOKENS} (default {@code 10496 2560 8 1,8,32}: the
 * gate projection's shape, 8 matrices a pass so that the weights come from memory). {@code ./fathom bench
 * kernels [ROWS COLS MATRICES TOKENS]}.
 */
final class PanelKernelBenchmark {

  private PanelKernelBenchmark() {}

  public static void main(String[] args) {
    String[] a = args.length == 4 ? args : new String[] {"10496", "2560", "8", "1,8,32"};
    int rows = Integer.parseInt(a[0]);
    int cols = Integer.parseInt(a[1]);
    int mats = Integer.parseInt(a[2]);
    int[] tokenCounts = Arrays.stream(a[3].split(",")).mapToInt(Integer::parseInt).toArray();
    SplittableRandom rnd = new SplittableRandom(1);
    try (Arena arena = Arena.ofShared();
        ParallelRunner par = new ParallelRunner(2)) {
      Int8Matrix[] q = new Int8Matrix[mats];
      Bf16Panels[] b = new Bf16Panels[mats];
      for (int m = 0; m < mats; m++) {
        MemorySegment data = arena.allocate((long) rows * cols * 2);
        for (long i = 0; i < (long) rows * cols; i++) {
          DType.BF16.write(data, i, (float) rnd.nextGaussian() * 0.02f);
        }
        Tensor t = new Tensor("w", DType.BF16, List.of((long) rows, (long) cols), data);
        q[m] = Int8Matrix.quantize(t, arena, par);
        b[m] = Bf16Panels.pack(t, arena, par);
      }
      for (int tokens : tokenCounts) {
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rnd.nextGaussian();
        }
        float[] o = new float[tokens * rows];
        for (int round = 0; round < 4; round++) {
          long s = System.nanoTime();
          for (int m = 0; m < mats; m++) {
            Int8MatMul.multiply(q[m], x, o, tokens, par);
          }
          long e = System.nanoTime();
          for (int m = 0; m < mats; m++) {
            Bf16PanelMatMul.multiply(b[m], x, o, tokens, par);
          }
          long f = System.nanoTime();
          double fma = (double) mats * rows * cols * tokens;
          if (round > 0) { // round 0 warms the JIT up
            System.out.printf("tokens %d: int8 %.1f GFMA/s (%.1f GB/s), bf16 %.1f GFMA/s (%.1f GB/s)%n", tokens,
                fma / (e - s), fma / (e - s) / tokens * 1.0625, fma / (f - e), fma / (f - e) / tokens * 2);
          }
        }
      }
    }
  }
}
