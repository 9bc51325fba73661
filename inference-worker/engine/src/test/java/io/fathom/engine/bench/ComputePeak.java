package io.fathom.engine.bench;

import io.fathom.engine.cpu.ParallelRunner;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the f32 multiply-add rate the engine's threads reach on the Vector API when nothing but
 * multiply-adds run: eight independent accumulators per thread, in registers. Prefill and batched decode
 * are bound by it (every weight is multiplied once per token), so the benchmark prints it beside them.
 */
final class ComputePeak {

  private static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED;

  private ComputePeak() {}

  /** The median of {@code passes}, in billions of lane multiply-adds a second over all threads. */
  static double measure(ParallelRunner parallel, int passes) {
    for (int i = 0; i < 200; i++) {
      spin(20_000, i); // compiled before it is timed
    }
    long iterations = 20_000_000;
    double[] rates = new double[passes];
    float[] sinks = new float[parallel.threads()];
    for (int p = 0; p < passes; p++) {
      long start = System.nanoTime();
      parallel.forRange(parallel.threads(), Long.MAX_VALUE / 4, (from, to) -> {
        for (int t = from; t < to; t++) {
          sinks[t] = spin(iterations, t);
        }
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      rates[p] = (double) parallel.threads() * iterations * 8 * F32.length() / seconds / 1e9;
    }
    java.util.Arrays.sort(rates);
    return rates[passes / 2] + (sinks[0] == 42 ? 1e-9 : 0);
  }

  private static float spin(long iterations, int seed) {
    FloatVector m = FloatVector.broadcast(F32, 0.999999f);
    FloatVector b = FloatVector.broadcast(F32, 1e-7f);
    FloatVector a0 = FloatVector.broadcast(F32, seed + 1f);
    FloatVector a1 = a0.add(1);
    FloatVector a2 = a0.add(2);
    FloatVector a3 = a0.add(3);
    FloatVector a4 = a0.add(4);
    FloatVector a5 = a0.add(5);
    FloatVector a6 = a0.add(6);
    FloatVector a7 = a0.add(7);
    for (long i = 0; i < iterations; i++) {
      a0 = a0.fma(m, b);
      a1 = a1.fma(m, b);
      a2 = a2.fma(m, b);
      a3 = a3.fma(m, b);
      a4 = a4.fma(m, b);
      a5 = a5.fma(m, b);
      a6 = a6.fma(m, b);
      a7 = a7.fma(m, b);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
  }
}
