package io.fathom.engine.cache;

/**
 * A snapshot of the {@link BlockManager}: blocks in use by sequences or pins, cached but unreferenced
 * (evictable), free; pinned sessions; prefix-cache hits and evictions since the start.
 *
 * @param lookupTokens prompt tokens looked up at admission (the last token of a prompt is never a hit)
 * @param hitTokens of those, tokens found cached
 */
public record CacheStats(
    int totalBlocks,
    int usedBlocks,
    int evictableBlocks,
    int freeBlocks,
    int pinnedSessions,
    long lookupTokens,
    long hitTokens,
    long evictions) {

  /** The fraction of looked-up prompt tokens that were cached (0 before any lookup). */
  public double hitRate() {
    return lookupTokens == 0 ? 0 : (double) hitTokens / lookupTokens;
  }
}
