package io.fathom.engine.cpu;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.tensor.Bf16;
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
 * {@code h} reads KV head {@code h / (heads / kvHeads)}, as Hugging Face's {@code repeat_kv} does. Keys and
 * values are stored as the cache's {@link KvDtype} (bf16 rounded to nearest-even) and read back as f32.
 */
final class Attention {

  private static final int LANES = WeightVectors.LANES;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT.withOrder(LE);
  private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT.withOrder(LE);

  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final float scale;
  /** Per thread of the runner: the attention scores of one item (query heads of a group × positions). */
  private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[0]);

  Attention(ModelConfig config) {
    this.heads = config.numAttentionHeads();
    this.kvHeads = config.numKeyValueHeads();
    this.headDim = config.headDim();
    this.scale = (float) (1.0 / Math.sqrt(headDim));
  }

  /**
   * Writes {@code tokens} rows of keys and values ({@code kvHeads × headDim} each), from row {@code firstRow}
   * of {@code k} and {@code v}, at positions {@code start}… of {@code table}.
   */
  void store(KvCache cache, BlockTable table, int layer, float[] k, float[] v, int firstRow, int tokens, int start) {
    int blockSize = table.blockSize();
    KvDtype dtype = cache.layout().dtype();
    long slotBytes = (long) headDim * dtype.bytes();
    MemorySegment memory = cache.memory();
    for (int t = 0; t < tokens; t++) {
      int position = start + t;
      int block = table.block(position / blockSize);
      long slot = (long) (position % blockSize) * slotBytes;
      for (int h = 0; h < kvHeads; h++) {
        int src = ((firstRow + t) * kvHeads + h) * headDim;
        long keys = cache.keyOffset(layer, block, h) + slot;
        long values = cache.valueOffset(layer, block, h) + slot;
        if (dtype == KvDtype.F32) {
          MemorySegment.copy(k, src, memory, FLOAT_LE, keys, headDim);
          MemorySegment.copy(v, src, memory, FLOAT_LE, values, headDim);
        } else {
          for (int i = 0; i < headDim; i++) {
            memory.set(SHORT_LE, keys + 2L * i, Bf16.fromFloat(k[src + i]));
            memory.set(SHORT_LE, values + 2L * i, Bf16.fromFloat(v[src + i]));
          }
        }
      }
    }
  }

  /**
   * For each query row of {@code q} ({@code heads × headDim} wide) attends over its own sequence's cached
   * positions up to its own, and writes the row of {@code out}: row {@code i} belongs to the sequence
   * {@code tables[segmentOf[i]]} at position {@code positions[i]}. The rows of all sequences are split over
   * the threads together.
   */
  void attend(
      KvCache cache, BlockTable[] tables, int[] segmentOf, int[] positions, int layer, float[] q, float[] out,
      ParallelRunner parallel) {
    int group = heads / kvHeads;
    int rows = positions.length;
    int longest = 0;
    for (int position : positions) {
      longest = Math.max(longest, position + 1);
    }
    int scoresLength = longest;
    parallel.forRange(
        rows * kvHeads,
        (long) longest * headDim * 2 * group,
        (from, to) -> {
          float[] scores = scratch(group * scoresLength);
          float[] maxima = new float[group];
          for (int item = from; item < to; item++) {
            int row = item / kvHeads;
            int kvHead = item % kvHeads;
            attendGroup(cache, tables[segmentOf[row]], layer, kvHead, q, row, positions[row] + 1, scores, maxima, out);
          }
        });
  }

  /** This thread's scores buffer, grown to {@code length} (a long context's scores are megabytes: not per call). */
  private float[] scratch(int length) {
    float[] buffer = scores.get();
    if (buffer.length < length) {
      buffer = new float[Math.max(length, buffer.length * 2)];
      scores.set(buffer);
    }
    return buffer;
  }

  /**
   * The query heads that share KV head {@code kvHead} (one row's), against the first {@code length} cached
   * positions: each key and value is read from the cache once for the whole group (the cache is the memory
   * traffic of a long context), while each head's arithmetic is exactly what it would be alone: its dot
   * products, softmax and weighted sum over positions in order.
   */
  private void attendGroup(
      KvCache cache, BlockTable table, int layer, int kvHead, float[] q, int row, int length, float[] scores,
      float[] maxima, float[] out) {
    MemorySegment memory = cache.memory();
    int blockSize = table.blockSize();
    int group = heads / kvHeads;
    int firstOffset = (row * heads + kvHead * group) * headDim;
    boolean bf16 = cache.layout().dtype() == KvDtype.BF16;
    long slotBytes = (long) headDim * cache.layout().dtype().bytes();
    Arrays.fill(maxima, Float.NEGATIVE_INFINITY);
    for (int b = 0, p = 0; p < length; b++) {
      long keys = cache.keyOffset(layer, table.block(b), kvHead);
      for (int slot = 0; slot < blockSize && p < length; slot++, p++) {
        long key = keys + slot * slotBytes;
        for (int g = 0; g < group; g++) {
          int qOff = firstOffset + g * headDim;
          float s = (bf16 ? dotBf16(q, qOff, memory, key) : dot(q, qOff, memory, key)) * scale;
          scores[g * length + p] = s;
          maxima[g] = Math.max(maxima[g], s);
        }
      }
    }
    for (int g = 0; g < group; g++) {
      int base = g * length;
      float sum = 0;
      for (int p = 0; p < length; p++) {
        float e = (float) Math.exp(scores[base + p] - maxima[g]);
        scores[base + p] = e;
        sum += e;
      }
      float norm = 1f / sum;
      for (int p = 0; p < length; p++) {
        scores[base + p] *= norm;
      }
      Arrays.fill(out, firstOffset + g * headDim, firstOffset + (g + 1) * headDim, 0f);
    }
    for (int b = 0, p = 0; p < length; b++) {
      long values = cache.valueOffset(layer, table.block(b), kvHead);
      for (int slot = 0; slot < blockSize && p < length; slot++, p++) {
        long value = values + slot * slotBytes;
        for (int g = 0; g < group; g++) {
          int qOff = firstOffset + g * headDim;
          if (bf16) {
            addScaledBf16(out, qOff, memory, value, scores[g * length + p]);
          } else {
            addScaled(out, qOff, memory, value, scores[g * length + p]);
          }
        }
      }
    }
  }

  private float dot(float[] q, int qOff, MemorySegment memory, long offset) {
    int i = 0;
    FloatVector acc = FloatVector.zero(WeightVectors.F32);
    for (; i + LANES <= headDim; i += LANES) {
      FloatVector k = FloatVector.fromMemorySegment(WeightVectors.F32, memory, offset + (long) i * Float.BYTES, LE);
      acc = k.fma(FloatVector.fromArray(WeightVectors.F32, q, qOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < headDim; i++) {
      sum += q[qOff + i] * memory.get(FLOAT_LE, offset + (long) i * Float.BYTES);
    }
    return sum;
  }

  private float dotBf16(float[] q, int qOff, MemorySegment memory, long offset) {
    int i = 0;
    FloatVector acc = FloatVector.zero(WeightVectors.F32);
    for (; i + LANES <= headDim; i += LANES) {
      acc = WeightVectors.bf16(memory, offset + 2L * i).fma(FloatVector.fromArray(WeightVectors.F32, q, qOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < headDim; i++) {
      sum += q[qOff + i] * Bf16.toFloat(memory.get(SHORT_LE, offset + 2L * i));
    }
    return sum;
  }

  private void addScaled(float[] out, int outOff, MemorySegment memory, long offset, float weight) {
    int i = 0;
    FloatVector w = FloatVector.broadcast(WeightVectors.F32, weight);
    for (; i + LANES <= headDim; i += LANES) {
      FloatVector v = FloatVector.fromMemorySegment(WeightVectors.F32, memory, offset + (long) i * Float.BYTES, LE);
      v.fma(w, FloatVector.fromArray(WeightVectors.F32, out, outOff + i)).intoArray(out, outOff + i);
    }
    for (; i < headDim; i++) {
      out[outOff + i] += weight * memory.get(FLOAT_LE, offset + (long) i * Float.BYTES);
    }
  }

  private void addScaledBf16(float[] out, int outOff, MemorySegment memory, long offset, float weight) {
    int i = 0;
    FloatVector w = FloatVector.broadcast(WeightVectors.F32, weight);
    for (; i + LANES <= headDim; i += LANES) {
      WeightVectors.bf16(memory, offset + 2L * i)
          .fma(w, FloatVector.fromArray(WeightVectors.F32, out, outOff + i))
          .intoArray(out, outOff + i);
    }
    for (; i < headDim; i++) {
      out[outOff + i] += weight * Bf16.toFloat(memory.get(SHORT_LE, offset + 2L * i));
    }
  }
}
