package io.fathom.engine.cache;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvCacheFullException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SequencedSet;

/**
 * Hands out the {@link KvCache}'s fixed-size blocks to sequences and shares them: nano-vllm's
 * {@code BlockManager} plus vLLM's LRU prefix cache, plus session pins.
 *
 * <ul>
 *   <li><b>Reference counts.</b> Every block a sequence or a session pin holds has a count of its holders.
 *       A block whose count drops to zero goes back to the pool's free list, or, if it is in the prefix
 *       index, stays cached and becomes <i>evictable</i>.
 *   <li><b>Prefix index over full blocks.</b> Once a forward pass has filled a block, {@link #commit} files it
 *       under a chained hash of its tokens and its parent's hash ({@link BlockHasher}). A new sequence
 *       ({@link #allocate}) walks its prompt block by block and shares every hit. A hit counts only if the
 *       stored tokens are equal and the stored parent is the block matched just before (with a generation
 *       number, so a parent block recycled since does not count): a hash collision costs a miss, never a
 *       wrong answer. Two sequences that filled identical blocks side by side end up on one: the later
 *       {@code commit} swaps its private copy for the indexed block.
 *   <li><b>Only full blocks are shared, so no copy-on-write.</b> A sequence writes only into its own last,
 *       partial block, and a partial block is never in the index; full blocks are never written again.
 *       The last prompt token is never taken from the cache (its logits start generation), so a prompt
 *       that is all cached blocks still computes its last token in a block of its own.
 *   <li><b>LRU eviction.</b> When the free list is empty, a new block is taken from the least recently
 *       released evictable block (which leaves the index). A sequence's blocks are released last block
 *       first, so a cached prefix loses its leaves before its root.
 *   <li><b>Session pins.</b> When a sequence with a session id finishes, {@link #pin} hands its blocks to the
 *       session instead of releasing them: they stay referenced, so other traffic cannot evict them, until
 *       the session's TTL passes ({@link #expirePins}, called at every admission) or {@link #release}. The
 *       pin also keeps the sequence's partial last block: the session's next request, whose prompt
 *       continues the pinned tokens, takes that block over (it moves, it is not shared, so it stays
 *       private) and so re-computes only the one token the last round sampled but never ran, not up to a
 *       block of it. A new pin for a session replaces the old one. Pinned blocks count as used: pins that
 *       outlive their use hold memory until their TTL, which is the price of surviving other traffic.
 * </ul>
 *
 * <p>Not thread-safe: the scheduler's thread owns it.
 */
public final class BlockManager {

  private static final int NONE = -1;

  private final KvCache cache;
  private final int blockSize;
  private final Duration sessionTtl;
  private final InstantSource clock;
  private final BlockHasher hasher;

  private final int[] refCount;
  /** Chain hash of a full block; valid when {@code hashed}. */
  private final long[] hash;
  private final boolean[] hashed;
  private final boolean[] indexed;
  /** Stored tokens, parent block and the parent's generation of an indexed block. */
  private final int[][] blockTokens;
  private final int[] parent;
  private final long[] parentGeneration;
  /** Bumped whenever a block is taken for new contents. */
  private final long[] generation;

  private final Map<Long, Integer> index = new HashMap<>();
  /** Indexed blocks nobody references, least recently released first. */
  private final SequencedSet<Integer> evictable = new LinkedHashSet<>();
  private final Map<String, Pin> pins = new LinkedHashMap<>();

  private long lookupTokens;
  private long hitTokens;
  private long evictions;

  /** Blocks pinned for a session: its computed tokens, their full blocks and the partial last block. */
  private static final class Pin {
    final int[] tokens;
    final int[] blocks;
    int tail;
    final Instant expiry;

    Pin(int[] tokens, int[] blocks, int tail, Instant expiry) {
      this.tokens = tokens;
      this.blocks = blocks;
      this.tail = tail;
      this.expiry = expiry;
    }
  }

  /** What a prompt finds cached: full blocks to share, maybe a pin's partial block to take over. */
  private record Match(int[] blocks, int tail, int tokens, Pin from) {}

  /**
   * A manager of all of {@code cache}'s blocks (no one else may allocate from it), pinning sessions for
   * {@code sessionTtl} as measured by {@code clock}.
   */
  public BlockManager(KvCache cache, Duration sessionTtl, InstantSource clock) {
    this(cache, sessionTtl, clock, BlockHasher.DEFAULT);
  }

  BlockManager(KvCache cache, Duration sessionTtl, InstantSource clock, BlockHasher hasher) {
    if (cache.freeBlockCount() != cache.blockCount()) {
      throw new IllegalArgumentException("the block manager needs a cache with every block free");
    }
    if (sessionTtl.isNegative()) {
      throw new IllegalArgumentException("sessionTtl must not be negative, got " + sessionTtl);
    }
    this.cache = cache;
    this.blockSize = cache.layout().blockSize();
    this.sessionTtl = sessionTtl;
    this.clock = Objects.requireNonNull(clock);
    this.hasher = hasher;
    int n = cache.blockCount();
    this.refCount = new int[n];
    this.hash = new long[n];
    this.hashed = new boolean[n];
    this.indexed = new boolean[n];
    this.blockTokens = new int[n][];
    this.parent = new int[n];
    this.parentGeneration = new long[n];
    this.generation = new long[n];
  }

  public int blockSize() {
    return blockSize;
  }

  public int totalBlocks() {
    return cache.blockCount();
  }

  /** Blocks a sequence could get now: free ones plus cached ones nobody references. */
  public int availableBlocks() {
    return cache.freeBlockCount() + evictable.size();
  }

  /** How many blocks {@code tokens} tokens take. */
  public int blocksFor(int tokens) {
    return cache.layout().blocksFor(tokens);
  }

  /**
   * How many leading tokens of a prompt {@link #allocate} would find cached now (for {@code session}, or
   * {@code null}), without changing anything.
   */
  public int cachedTokens(int[] prompt, String session) {
    return match(prompt, session).tokens();
  }

  /**
   * Gives an empty {@code table} the blocks for the whole {@code prompt}: the cached prefix shared (or taken
   * over from the session's pin), the rest fresh, and marks the cached tokens as computed. Expired pins are
   * dropped first.
   *
   * @return how many leading prompt tokens were cached (the rest must be prefilled; at most {@code
   *     prompt.length - 1}), or empty, changing nothing, if there are not enough free or evictable blocks
   */
  public OptionalInt allocate(BlockTable table, int[] prompt, String session) {
    if (table.blockCount() != 0) {
      throw new IllegalStateException("the table already holds " + table.blockCount() + " blocks");
    }
    if (prompt.length == 0) {
      throw new IllegalArgumentException("an empty prompt has nothing to compute");
    }
    expirePins();
    Match match = match(prompt, session);
    int reused = match.blocks().length + (match.tail() == NONE ? 0 : 1);
    int fresh = blocksFor(prompt.length) - reused;
    int revived = 0;
    for (int block : match.blocks()) {
      if (refCount[block] == 0) {
        revived++;
      }
    }
    if (fresh > availableBlocks() - revived) {
      return OptionalInt.empty();
    }
    lookupTokens += prompt.length;
    hitTokens += match.tokens();
    for (int block : match.blocks()) {
      retain(block);
      table.append(block);
    }
    if (match.tail() != NONE) {
      match.from().tail = NONE; // moved, not shared: its one reference passes from the pin to the table
      table.append(match.tail());
    }
    for (int i = 0; i < fresh; i++) {
      table.append(take());
    }
    table.advance(match.tokens());
    return OptionalInt.of(match.tokens());
  }

  /**
   * Makes {@code table} hold blocks for {@code tokens} tokens in all, taking free or evicting cached ones.
   *
   * @return false, changing nothing, if there are not enough
   */
  public boolean reserve(BlockTable table, int tokens) {
    int needed = blocksFor(tokens) - table.blockCount();
    if (needed > availableBlocks()) {
      return false;
    }
    for (int i = 0; i < needed; i++) {
      table.append(take());
    }
    return true;
  }

  /**
   * Files the blocks a forward pass has filled since the last call into the prefix index. {@code tokens}
   * holds the sequence's tokens; its first {@code table.tokenCount()} are read.
   */
  public void commit(BlockTable table, int[] tokens) {
    int full = table.tokenCount() / blockSize;
    int first = full;
    while (first > 0 && !hashed[table.block(first - 1)]) {
      first--;
    }
    for (int i = first; i < full; i++) {
      int own = table.block(i);
      int parentBlock = i == 0 ? NONE : table.block(i - 1);
      long h = hasher.hash(i == 0 ? BlockHasher.ROOT : hash[parentBlock], tokens, i * blockSize, blockSize);
      Integer existing = index.get(h);
      if (existing != null && existing != own && holds(existing, tokens, i * blockSize, parentBlock)) {
        retain(existing);
        table.replace(i, existing);
        releaseBlock(own);
        continue;
      }
      hash[own] = h;
      hashed[own] = true;
      if (existing == null) {
        index.put(h, own);
        indexed[own] = true;
        blockTokens[own] = Arrays.copyOfRange(tokens, i * blockSize, (i + 1) * blockSize);
        parent[own] = parentBlock;
        parentGeneration[own] = parentBlock == NONE ? 0 : generation[parentBlock];
      }
    }
  }

  /** Releases every block of {@code table} (last first, for LRU) and empties it. */
  public void free(BlockTable table) {
    for (int i = table.blockCount() - 1; i >= 0; i--) {
      releaseBlock(table.block(i));
    }
    table.clear();
  }

  /**
   * Hands a finished sequence's blocks to {@code session} for the TTL, replacing the session's previous pin,
   * and empties {@code table}. {@code tokens} holds the sequence's tokens; the first {@code
   * table.tokenCount()} (those with keys and values) are pinned. Blocks reserved beyond them are released.
   */
  public void pin(String session, BlockTable table, int[] tokens) {
    Objects.requireNonNull(session, "session");
    int computed = table.tokenCount();
    int full = computed / blockSize;
    int[] blocks = new int[full];
    for (int i = 0; i < full; i++) {
      blocks[i] = table.block(i);
    }
    int tail = computed % blockSize == 0 ? NONE : table.block(full);
    int kept = full + (tail == NONE ? 0 : 1);
    for (int i = table.blockCount() - 1; i >= kept; i--) {
      releaseBlock(table.block(i));
    }
    table.clear();
    Pin old = pins.remove(session);
    pins.put(session, new Pin(Arrays.copyOf(tokens, computed), blocks, tail, clock.instant().plus(sessionTtl)));
    if (old != null) {
      unpin(old);
    }
  }

  /** Drops {@code session}'s pin at once; its blocks stay cached until evicted. Returns whether there was one. */
  public boolean release(String session) {
    Pin pin = pins.remove(session);
    if (pin == null) {
      return false;
    }
    unpin(pin);
    return true;
  }

  /** Drops the pins whose TTL has passed. */
  public void expirePins() {
    Instant now = clock.instant();
    for (Iterator<Pin> it = pins.values().iterator(); it.hasNext(); ) {
      Pin pin = it.next();
      if (!now.isBefore(pin.expiry)) {
        it.remove();
        unpin(pin);
      }
    }
  }

  /** How many tokens {@code session} has pinned (0 without a pin). */
  public int pinnedTokens(String session) {
    Pin pin = pins.get(session);
    return pin == null ? 0 : pin.tokens.length;
  }

  public CacheStats stats() {
    int free = cache.freeBlockCount();
    return new CacheStats(
        totalBlocks(), totalBlocks() - free - evictable.size(), evictable.size(), free, pins.size(),
        lookupTokens, hitTokens, evictions);
  }

  private Match match(int[] prompt, String session) {
    int limit = prompt.length - 1; // the last prompt token is always computed
    int[] shared = indexMatch(prompt, Math.max(0, limit) / blockSize);
    Match best = new Match(shared, NONE, shared.length * blockSize, null);
    Pin pin = session == null ? null : pins.get(session);
    if (pin != null) {
      int common = 0;
      int max = Math.min(limit, pin.tokens.length);
      while (common < max && pin.tokens[common] == prompt[common]) {
        common++;
      }
      int full = common / blockSize;
      boolean takeTail = common % blockSize != 0 && full == pin.blocks.length && pin.tail != NONE;
      int cached = takeTail ? common : full * blockSize;
      if (cached > best.tokens()) {
        best = new Match(Arrays.copyOf(pin.blocks, full), takeTail ? pin.tail : NONE, cached, pin);
      }
    }
    return best;
  }

  private int[] indexMatch(int[] prompt, int maxBlocks) {
    int[] found = new int[maxBlocks];
    int n = 0;
    long h = BlockHasher.ROOT;
    int previous = NONE;
    for (int i = 0; i < maxBlocks; i++) {
      h = hasher.hash(h, prompt, i * blockSize, blockSize);
      Integer candidate = index.get(h);
      if (candidate == null || !holds(candidate, prompt, i * blockSize, previous)) {
        break;
      }
      found[n++] = previous = candidate;
    }
    return Arrays.copyOf(found, n);
  }

  /** Whether indexed {@code block} holds {@code tokens[from, from + blockSize)} after {@code parentBlock}. */
  private boolean holds(int block, int[] tokens, int from, int parentBlock) {
    return indexed[block]
        && parent[block] == parentBlock
        && (parentBlock == NONE || parentGeneration[block] == generation[parentBlock])
        && Arrays.equals(blockTokens[block], 0, blockSize, tokens, from, from + blockSize);
  }

  private void retain(int block) {
    if (refCount[block]++ == 0) {
      evictable.remove(block);
    }
  }

  private void releaseBlock(int block) {
    if (refCount[block] <= 0) {
      throw new IllegalStateException("block " + block + " is not referenced");
    }
    if (--refCount[block] == 0) {
      if (indexed[block]) {
        evictable.addLast(block);
      } else {
        hashed[block] = false;
        cache.freeBlock(block);
      }
    }
  }

  private int take() {
    int block;
    if (cache.freeBlockCount() > 0) {
      block = cache.allocateBlock();
    } else if (!evictable.isEmpty()) {
      block = evictable.removeFirst();
      index.remove(hash[block], block);
      indexed[block] = false;
      blockTokens[block] = null;
      evictions++;
    } else {
      throw new KvCacheFullException("KV cache is full: all " + totalBlocks() + " blocks are referenced");
    }
    generation[block]++;
    hashed[block] = false;
    refCount[block] = 1;
    return block;
  }

  private void unpin(Pin pin) {
    if (pin.tail != NONE) {
      releaseBlock(pin.tail);
    }
    for (int i = pin.blocks.length - 1; i >= 0; i--) {
      releaseBlock(pin.blocks[i]);
    }
  }
}
