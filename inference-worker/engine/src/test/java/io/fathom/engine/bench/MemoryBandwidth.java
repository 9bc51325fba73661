package io.fathom.engine.bench;

import io.fathom.engine.cpu.ParallelRunner;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the read bandwidth the engine's threads get from main memory: they sum a buffer far larger than
 * the caches (1 GiB by default) with the same vector loads and the same {@link ParallelRunner} as the
 * kernels. Decode of one sequence reads every weight once per token, so bandwidth ÷ bytes of weights is its
 * ceiling. The benchmark measures it beside each run, as this machine's bandwidth swings from run to run.
 */
final class MemoryBandwidth implements AutoCloseable {

  private static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED;
  private static final long CHUNK = 1 << 20;

  private final Arena arena = Arena.ofShared();
  private final MemorySegment buffer;
  private final ParallelRunner parallel;

  MemoryBandwidth(long bytes, ParallelRunner parallel) {
    this.parallel = parallel;
    this.buffer = arena.allocate(bytes / CHUNK * CHUNK, 64);
    long floats = buffer.byteSize() / Float.BYTES;
    for (long i = 0; i < floats; i += 1024) {
      buffer.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f); // touch every page
    }
  }

  /** The median of {@code passes} full reads, in GB/s. */
  double measure(int passes) {
    double[] rates = new double[passes];
    for (int p = 0; p < passes; p++) {
      long start = System.nanoTime();
      read();
      rates[p] = buffer.byteSize() / ((System.nanoTime() - start) / 1e9) / 1e9;
    }
    Arrays.sort(rates);
    return rates[passes / 2];
  }

  private float read() {
    int chunks = (int) (buffer.byteSize() / CHUNK);
    float[] sums = new float[chunks];
    parallel.forRange(
        chunks,
        Long.MAX_VALUE / chunks,
        (from, to) -> {
          for (int c = from; c < to; c++) {
            FloatVector a0 = FloatVector.zero(F32);
            FloatVector a1 = a0;
            long base = c * CHUNK;
            long step = (long) F32.vectorByteSize();
            for (long o = 0; o < CHUNK; o += 2 * step) {
              a0 = a0.add(FloatVector.fromMemorySegment(F32, buffer, base + o, ByteOrder.nativeOrder()));
              a1 = a1.add(FloatVector.fromMemorySegment(F32, buffer, base + o + step, ByteOrder.nativeOrder()));
            }
            sums[c] = a0.add(a1).reduceLanes(VectorOperators.ADD);
          }
        });
    float total = 0;
    for (float s : sums) {
      total += s;
    }
    return total;
  }

  @Override
  public void close() {
    arena.close();
  }
}
