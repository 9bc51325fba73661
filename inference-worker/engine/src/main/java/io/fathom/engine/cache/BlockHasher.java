package io.fathom.engine.cache;

/**
 * The chained hash of a full block: it covers the block's tokens and the hash of the block before it, so
 * equal hashes mean (barring a collision) equal prefixes. A collision never causes false sharing: the
 * {@link BlockManager} checks a hit's stored tokens and parent block before using it. Package-private so
 * tests can force collisions.
 */
@FunctionalInterface
interface BlockHasher {

  /** The hash chain's start, the "parent" of a sequence's first block. */
  long ROOT = 0x6a09e667f3bcc908L;

  long hash(long parentHash, int[] tokens, int from, int count);

  /** FNV-1a over the token ids, seeded with the parent's hash, finished with MurmurHash3's 64-bit mixer. */
  BlockHasher DEFAULT =
      (parentHash, tokens, from, count) -> {
        long h = parentHash ^ 0xcbf29ce484222325L;
        for (int i = from; i < from + count; i++) {
          h = (h ^ tokens[i]) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
      };
}
