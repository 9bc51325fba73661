package io.fathom.engine.cpu;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.model.ModelConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Causal grouped-query attention over a paged KV cache. Keys and values are found through the sequence's
 * {@link BlockTable} (token {@code p} in block {@code p / blockSize}, slot {@code p % blockSize}), so the
 * same code serves a contiguous cache, a paged one and blocks shared between sequences. Query head
 * {@code h} reads KV head {@code h / (heads / kvHeads)}, as Hugging Face's {@code repeat_kv} does.
 */
final class Attention {

  private static final int LANES = WeightVectors.LANES;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final float scale;

  Attention(ModelConfig config) {
    this.heads = config.numAttentionHeads();
    this.kvHeads = config.numKeyValueHeads();
    this.headDim = config.headDim();
    this.scale = (float) (1.0 / Math.sqrt(headDim));
  }

  /** Writes {@code tokens} rows of keys and values ({@code kvHeads × headDim} each) at positions {@code start}… */
  void store(KvCache cache, BlockTable table, int layer, float[] k, float[] v, int tokens, int start) {
    int blockSize = table.blockSize();
    long slotBytes = (long) headDim * Float.BYTES;
    for (int t = 0; t < tokens; t++) {
      int position = start + t;
      int block = table.block(position / blockSize);
      long slot = (long) (position % blockSize) * slotBytes;
      for (int h = 0; h < kvHeads; h++) {
        int src = (t * kvHeads + h) * headDim;
        MemorySegment.copy(k, src, cache.memory(), ValueLayout.JAVA_FLOAT, cache.keyOffset(layer, block, h) + slot, headDim);
        MemorySegment.copy(v, src, cache.memory(), ValueLayout.JAVA_FLOAT, cache.valueOffset(layer, block, h) + slot, headDim);
      }
    }
  }

  /**
   * For each of {@code tokens} queries (rows of {@code q}, {@code heads × headDim} wide, at positions
   * {@code start}…) attends over every cached position up to its own; writes rows of {@code out}.
   */
  void attend(
      KvCache cache, BlockTable table, int layer, float[] q, float[] out, int tokens, int start, ParallelRunner parallel) {
    int group = heads / kvHeads;
    int longest = start + tokens;
    parallel.forRange(
        tokens * heads,
        (long) longest * headDim * 2,
        (from, to) -> {
          float[] scores = new float[longest];
          for (int item = from; item < to; item++) {
            int t = item / heads;
            int h = item % heads;
            int offset = (t * heads + h) * headDim;
            attendOne(cache, table, layer, h / group, q, offset, start + t + 1, scores, out);
          }
        });
  }

  /** One query against the first {@code length} cached positions. */
  private void attendOne(
      KvCache cache, BlockTable table, int layer, int kvHead, float[] q, int qOff, int length, float[] scores,
      float[] out) {
    MemorySegment memory = cache.memory();
    int blockSize = table.blockSize();
    long slotBytes = (long) headDim * Float.BYTES;
    float max = Float.NEGATIVE_INFINITY;
    for (int b = 0, p = 0; p < length; b++) {
      long keys = cache.keyOffset(layer, table.block(b), kvHead);
      for (int slot = 0; slot < blockSize && p < length; slot++, p++) {
        float s = dot(q, qOff, memory, keys + slot * slotBytes) * scale;
        scores[p] = s;
        max = Math.max(max, s);
      }
    }
    float sum = 0;
    for (int p = 0; p < length; p++) {
      float e = (float) Math.exp(scores[p] - max);
      scores[p] = e;
      sum += e;
    }
    float norm = 1f / sum;
    Arrays.fill(out, qOff, qOff + headDim, 0f);
    for (int b = 0, p = 0; p < length; b++) {
      long values = cache.valueOffset(layer, table.block(b), kvHead);
      for (int slot = 0; slot < blockSize && p < length; slot++, p++) {
        addScaled(out, qOff, memory, values + slot * slotBytes, scores[p] * norm);
      }
    }
  }

  private float dot(float[] q, int qOff, MemorySegment memory, long offset) {
    int i = 0;
    FloatVector acc = FloatVector.zero(WeightVectors.F32);
    for (; i + LANES <= headDim; i += LANES) {
      FloatVector k = FloatVector.fromMemorySegment(WeightVectors.F32, memory, offset + (long) i * Float.BYTES, NATIVE);
      acc = k.fma(FloatVector.fromArray(WeightVectors.F32, q, qOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < headDim; i++) {
      sum += q[qOff + i] * memory.getAtIndex(ValueLayout.JAVA_FLOAT, offset / Float.BYTES + i);
    }
    return sum;
  }

  private void addScaled(float[] out, int outOff, MemorySegment memory, long offset, float weight) {
    int i = 0;
    FloatVector w = FloatVector.broadcast(WeightVectors.F32, weight);
    for (; i + LANES <= headDim; i += LANES) {
      FloatVector v = FloatVector.fromMemorySegment(WeightVectors.F32, memory, offset + (long) i * Float.BYTES, NATIVE);
      v.fma(w, FloatVector.fromArray(WeightVectors.F32, out, outOff + i)).intoArray(out, outOff + i);
    }
    for (; i < headDim; i++) {
      out[outOff + i] += weight * memory.getAtIndex(ValueLayout.JAVA_FLOAT, offset / Float.BYTES + i);
    }
  }
}
