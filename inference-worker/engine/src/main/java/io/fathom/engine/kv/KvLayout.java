package io.fathom.engine.kv;

import io.fathom.engine.model.ModelConfig;

/**
 * The geometry of the KV cache: fixed-size blocks of {@code blockSize} token slots, each holding f32 keys
 * and values for every layer and KV head.
 */
public record KvLayout(int layers, int kvHeads, int headDim, int blockSize) {

  /** vLLM's and nano-vllm's default block size. */
  public static final int DEFAULT_BLOCK_SIZE = 16;

  public KvLayout {
    if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException(
          "KV layout dimensions must be positive: layers=" + layers + " kvHeads=" + kvHeads
              + " headDim=" + headDim + " blockSize=" + blockSize);
    }
  }

  /** The layout for {@code config}'s attention with {@code blockSize}-token blocks. */
  public static KvLayout of(ModelConfig config, int blockSize) {
    return new KvLayout(config.numHiddenLayers(), config.numKeyValueHeads(), config.headDim(), blockSize);
  }

  /** Bytes of one head's keys (or values) for all slots of one block in one layer. */
  public long headBlockBytes() {
    return (long) blockSize * headDim * Float.BYTES;
  }

  /** Bytes one block takes across all layers (keys and values). */
  public long blockBytes() {
    return 2L * layers * kvHeads * headBlockBytes();
  }

  /** Bytes of KV cache per token. */
  public long bytesPerToken() {
    return 2L * layers * kvHeads * headDim * Float.BYTES;
  }

  /** How many blocks {@code tokens} tokens occupy. */
  public int blocksFor(long tokens) {
    return Math.toIntExact((tokens + blockSize - 1) / blockSize);
  }
}
