package io.fathom.engine.kv;

import io.fathom.engine.model.ModelConfig;

/**
 * The geometry of the KV cache: fixed-size blocks of {@code blockSize} token slots, each holding keys and
 * values ({@code dtype}) for every layer and KV head.
 */
public record KvLayout(int layers, int kvHeads, int headDim, int blockSize, KvDtype dtype) {

  /** vLLM's and nano-vllm's default block size. */
  public static final int DEFAULT_BLOCK_SIZE = 16;

  public KvLayout {
    if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException(
          "KV layout dimensions must be positive: layers=" + layers + " kvHeads=" + kvHeads
              + " headDim=" + headDim + " blockSize=" + blockSize);
    }
    if (dtype == null) {
      throw new IllegalArgumentException("KV layout needs a dtype");
    }
  }

  /** The layout for {@code config}'s attention with {@code blockSize}-token blocks of bf16 keys and values. */
  public static KvLayout of(ModelConfig config, int blockSize) {
    return of(config, blockSize, KvDtype.BF16);
  }

  /** The layout for {@code config}'s attention with {@code blockSize}-token blocks of {@code dtype}. */
  public static KvLayout of(ModelConfig config, int blockSize, KvDtype dtype) {
    return new KvLayout(config.numHiddenLayers(), config.numKeyValueHeads(), config.headDim(), blockSize, dtype);
  }

  /** Bytes of one head's keys (or values) for all slots of one block in one layer. */
  public long headBlockBytes() {
    return (long) blockSize * headDim * dtype.bytes();
  }

  /** Bytes one block takes across all layers (keys and values). */
  public long blockBytes() {
    return 2L * layers * kvHeads * headBlockBytes();
  }

  /** Bytes of KV cache per token. */
  public long bytesPerToken() {
    return 2L * layers * kvHeads * headDim * dtype.bytes();
  }

  /** How many blocks {@code tokens} tokens occupy. */
  public int blocksFor(long tokens) {
    return Math.toIntExact((tokens + blockSize - 1) / blockSize);
  }
}
