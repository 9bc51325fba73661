package io.fathom.engine.kv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * Off-heap storage for the keys and values of all sequences, as a pool of fixed-size blocks handed out
 * to {@link BlockTable}s. Memory is laid out {@code [layer][block][K|V][kvHead][slot][headDim]} in the layout's
 * {@link KvDtype} (little-endian),
 * so one head's keys within a block are contiguous.
 *
 * <p>Allocation is not thread-safe: one thread (the scheduler) allocates and frees; kernels on any thread
 * read and write the memory of blocks they were given.
 */
public final class KvCache implements AutoCloseable {

  private final KvLayout layout;
  private final int blockCount;
  private final Arena arena;
  private final MemorySegment memory;
  private final int[] freeBlocks;
  private final BitSet isFree;
  private int freeCount;

  /** Allocates {@code blockCount} blocks (zeroed) of {@code layout}. */
  public KvCache(KvLayout layout, int blockCount) {
    if (blockCount <= 0) {
      throw new IllegalArgumentException("blockCount must be positive, got " + blockCount);
    }
    this.layout = layout;
    this.blockCount = blockCount;
    this.arena = Arena.ofShared();
    this.memory = arena.allocate(Math.multiplyExact(layout.blockBytes(), blockCount), 64);
    this.freeBlocks = new int[blockCount];
    for (int i = 0; i < blockCount; i++) {
      freeBlocks[i] = blockCount - 1 - i;
    }
    this.freeCount = blockCount;
    this.isFree = new BitSet(blockCount);
    isFree.set(0, blockCount);
  }

  /** A cache big enough for {@code tokens} tokens in total. */
  public static KvCache forTokens(KvLayout layout, long tokens) {
    return new KvCache(layout, layout.blocksFor(tokens));
  }

  public KvLayout layout() {
    return layout;
  }

  public int blockCount() {
    return blockCount;
  }

  public int freeBlockCount() {
    return freeCount;
  }

  /** Takes a free block. */
  public int allocateBlock() {
    if (freeCount == 0) {
      throw new KvCacheFullException(
          "KV cache is full: all " + blockCount + " blocks of " + layout.blockSize() + " tokens are in use");
    }
    int block = freeBlocks[--freeCount];
    isFree.clear(block);
    return block;
  }

  /** Returns a block to the pool. */
  public void freeBlock(int block) {
    if (block < 0 || block >= blockCount) {
      throw new IllegalArgumentException("no block " + block + " in a cache of " + blockCount);
    }
    if (isFree.get(block)) {
      throw new IllegalStateException("block " + block + " is already free");
    }
    isFree.set(block);
    freeBlocks[freeCount++] = block;
  }

  /** The cache memory (values of the layout's dtype, little-endian). */
  public MemorySegment memory() {
    return memory;
  }

  /** Byte offset of slot 0 of {@code kvHead}'s keys in {@code block} for {@code layer}. */
  public long keyOffset(int layer, int block, int kvHead) {
    return headOffset(layer, block, 0, kvHead);
  }

  /** Byte offset of slot 0 of {@code kvHead}'s values in {@code block} for {@code layer}. */
  public long valueOffset(int layer, int block, int kvHead) {
    return headOffset(layer, block, 1, kvHead);
  }

  private long headOffset(int layer, int block, int keyOrValue, int kvHead) {
    long layerBlock = (long) layer * blockCount + block;
    return ((layerBlock * 2 + keyOrValue) * layout.kvHeads() + kvHead) * layout.headBlockBytes();
  }

  /** Frees the memory; no sequence may use the cache afterwards. */
  @Override
  public void close() {
    arena.close();
  }
}
