package io.fathom.engine.kv;

import java.util.Arrays;

/**
 * One sequence's view of the KV cache: the blocks that hold its tokens, in order (token {@code p} lives
 * in block {@code block(p / blockSize)}, slot {@code p % blockSize}), and how many tokens are cached.
 * Not thread-safe; owned by whoever schedules the sequence.
 *
 * <p>Blocks come either straight from a {@link KvCache} ({@link #reserve}, {@link #release}) or from a
 * block manager that shares and reference-counts them ({@link #append}, {@link #replace}, {@link #clear}):
 * a table filled by a manager must be given back through that manager, never through {@link #release}.
 */
public final class BlockTable {

  private final int blockSize;
  private int[] blocks = new int[4];
  private int blockCount;
  private int tokenCount;

  public BlockTable(int blockSize) {
    if (blockSize <= 0) {
      throw new IllegalArgumentException("blockSize must be positive, got " + blockSize);
    }
    this.blockSize = blockSize;
  }

  public int blockSize() {
    return blockSize;
  }

  /** How many tokens' keys and values are cached. */
  public int tokenCount() {
    return tokenCount;
  }

  /** How many blocks the sequence holds. */
  public int blockCount() {
    return blockCount;
  }

  /** The cache block holding the sequence's {@code index}-th block of tokens. */
  public int block(int index) {
    if (index < 0 || index >= blockCount) {
      throw new IndexOutOfBoundsException("block " + index + " of a table with " + blockCount);
    }
    return blocks[index];
  }

  /**
   * Makes room for {@code extraTokens} more tokens, taking blocks from {@code cache}.
   *
   * @throws KvCacheFullException if the cache runs out of blocks (blocks already taken stay in the table)
   */
  public void reserve(int extraTokens, KvCache cache) {
    checkBlockSize(cache);
    int needed = cache.layout().blocksFor((long) tokenCount + extraTokens);
    if (needed > blocks.length) {
      blocks = Arrays.copyOf(blocks, Math.max(needed, blocks.length * 2));
    }
    while (blockCount < needed) {
      int block = cache.allocateBlock();
      blocks[blockCount++] = block;
    }
  }

  /** How many tokens the held blocks have room for. */
  public int capacity() {
    return blockCount * blockSize;
  }

  /** Adds {@code block} (taken or shared by a block manager) after the held blocks. */
  public void append(int block) {
    if (block < 0) {
      throw new IllegalArgumentException("no block " + block);
    }
    if (blockCount == blocks.length) {
      blocks = Arrays.copyOf(blocks, blocks.length * 2);
    }
    blocks[blockCount++] = block;
  }

  /**
   * Puts {@code block} in place of the {@code index}-th block: a block manager swapping a private block for
   * a shared one with the same contents.
   */
  public void replace(int index, int block) {
    block(index);
    if (block < 0) {
      throw new IllegalArgumentException("no block " + block);
    }
    blocks[index] = block;
  }

  /** Forgets every block without freeing any (their owner, a block manager, already accounted for them). */
  public void clear() {
    blockCount = 0;
    tokenCount = 0;
  }

  /** Records that {@code count} more tokens have been written into reserved slots. */
  public void advance(int count) {
    if (count < 0 || (long) tokenCount + count > (long) blockCount * blockSize) {
      throw new IllegalStateException(
          "cannot advance by " + count + " tokens: " + tokenCount + " cached, room for "
              + ((long) blockCount * blockSize));
    }
    tokenCount += count;
  }

  /** Returns every block to {@code cache} and empties the table. */
  public void release(KvCache cache) {
    checkBlockSize(cache);
    for (int i = 0; i < blockCount; i++) {
      cache.freeBlock(blocks[i]);
    }
    blockCount = 0;
    tokenCount = 0;
  }

  private void checkBlockSize(KvCache cache) {
    if (cache.layout().blockSize() != blockSize) {
      throw new IllegalArgumentException(
          "block table of " + blockSize + "-token blocks used with a cache of " + cache.layout().blockSize());
    }
  }
}
