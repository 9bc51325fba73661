package io.fathom.engine.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Block accounting, the prefix index, LRU eviction and session pins, without a model (blocks of 4 tokens). */
class BlockManagerTest {

  private static final int BS = 4;
  private static final Duration TTL = Duration.ofMinutes(5);

  private final ManualClock clock = new ManualClock();
  private final List<KvCache> caches = new ArrayList<>();

  @AfterEach
  void closeCaches() {
    caches.forEach(KvCache::close);
  }

  private BlockManager manager(int blocks) {
    return manager(blocks, BlockHasher.DEFAULT);
  }

  private BlockManager manager(int blocks, BlockHasher hasher) {
    KvCache cache = new KvCache(new KvLayout(1, 1, 4, BS, KvDtype.F32), blocks);
    caches.add(cache);
    return new BlockManager(cache, TTL, clock, hasher);
  }

  /** Admits {@code tokens}, "computes" the rest as a forward pass would and commits: a finished prefill. */
  private static BlockTable prefill(BlockManager manager, int[] tokens, String session) {
    BlockTable table = new BlockTable(BS);
    OptionalInt cached = manager.allocate(table, tokens, session);
    assertThat(cached).as("admitted").isPresent();
    table.advance(tokens.length - cached.getAsInt());
    manager.commit(table, tokens);
    return table;
  }

  private static int[] tokens(int from, int count) {
    return IntStream.range(from, from + count).toArray();
  }

  private static int[] concat(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
  }

  @Test
  void aSharedPrefixOfFullBlocksIsReusedAndTheRestAllocated() {
    BlockManager manager = manager(16);
    int[] first = tokens(100, 10); // blocks [100..103] [104..107] and a partial one
    BlockTable a = prefill(manager, first, null);
    assertThat(a.blockCount()).isEqualTo(3);
    assertThat(manager.availableBlocks()).isEqualTo(13);

    int[] second = concat(tokens(100, 9), tokens(500, 6)); // shares 9 tokens: two full blocks
    BlockTable b = new BlockTable(BS);
    assertThat(manager.cachedTokens(second, null)).isEqualTo(8);
    assertThat(manager.allocate(b, second, null)).hasValue(8);
    assertThat(b.tokenCount()).isEqualTo(8);
    assertThat(b.blockCount()).isEqualTo(4);
    assertThat(b.block(0)).isEqualTo(a.block(0));
    assertThat(b.block(1)).isEqualTo(a.block(1));
    assertThat(b.block(2)).isNotEqualTo(a.block(2));
    assertThat(manager.availableBlocks()).isEqualTo(11);
    assertThat(manager.stats().hitTokens()).isEqualTo(8);

    manager.free(a);
    assertThat(manager.availableBlocks()).as("the shared blocks are still referenced by b").isEqualTo(12);
    assertThat(manager.stats().evictableBlocks()).isZero();
    manager.free(b);
    assertThat(manager.availableBlocks()).isEqualTo(16);
    assertThat(manager.stats().evictableBlocks()).as("full indexed blocks stay cached").isEqualTo(2);
    assertThat(manager.stats().usedBlocks()).isZero();
  }

  @Test
  void theLastPromptTokenIsNeverTakenFromTheCache() {
    BlockManager manager = manager(8);
    int[] prompt = tokens(1, 8);
    manager.free(prefill(manager, prompt, null));
    assertThat(manager.cachedTokens(prompt, null)).as("8 cached tokens would leave nothing to compute").isEqualTo(4);
    assertThat(manager.cachedTokens(concat(prompt, new int[] {9}), null)).isEqualTo(8);
    assertThat(manager.cachedTokens(new int[] {1}, null)).isZero();
  }

  @Test
  void aHashCollisionIsAMissNotFalseSharing() {
    BlockManager manager = manager(16, (parent, tokens, from, count) -> 42L); // every block collides
    int[] a = tokens(0, 9);
    manager.free(prefill(manager, a, null));
    assertThat(manager.cachedTokens(tokens(50, 9), null)).as("other tokens, same hash").isZero();
    assertThat(manager.cachedTokens(concat(tokens(0, 4), tokens(50, 5)), null))
        .as("same first block, the second collides with it")
        .isEqualTo(4);
    assertThat(manager.cachedTokens(a, null)).as("only the first block is indexed under the one hash").isEqualTo(4);
  }

  @Test
  void aBlockWithTheRightTokensAfterADifferentParentIsAMiss() {
    // A hash that ignores the parent: block [20..23] after [10..13] collides with [20..23] after [30..33].
    BlockManager manager = manager(16, (parent, tokens, from, count) -> 1 + tokens[from]);
    int[] a = concat(concat(tokens(10, 4), tokens(20, 4)), new int[] {1});
    int[] b = concat(concat(tokens(30, 4), tokens(20, 4)), new int[] {1});
    BlockTable first = prefill(manager, a, null);
    BlockTable second = prefill(manager, b, null);
    assertThat(second.block(1)).as("its keys were computed after other tokens").isNotEqualTo(first.block(1));
    manager.free(first);
    manager.free(second);
    assertThat(manager.cachedTokens(a, null)).isEqualTo(8);
    assertThat(manager.cachedTokens(b, null)).isEqualTo(4);
  }

  @Test
  void identicalBlocksFilledSideBySideEndUpShared() {
    BlockManager manager = manager(16);
    int[] prompt = tokens(7, 10);
    BlockTable a = new BlockTable(BS);
    BlockTable b = new BlockTable(BS);
    assertThat(manager.allocate(a, prompt, null)).hasValue(0);
    assertThat(manager.allocate(b, prompt, null)).hasValue(0);
    assertThat(manager.availableBlocks()).isEqualTo(10);
    a.advance(10);
    b.advance(10);
    manager.commit(a, prompt);
    manager.commit(b, prompt);
    assertThat(b.block(0)).isEqualTo(a.block(0));
    assertThat(b.block(1)).isEqualTo(a.block(1));
    assertThat(b.block(2)).isNotEqualTo(a.block(2));
    assertThat(manager.availableBlocks()).as("b's two private copies went back").isEqualTo(12);
  }

  @Test
  void admissionFailsWithoutChangingAnythingWhenBlocksRunOut() {
    BlockManager manager = manager(4);
    BlockTable a = prefill(manager, tokens(0, 10), null); // 3 blocks
    BlockTable b = new BlockTable(BS);
    assertThat(manager.allocate(b, tokens(100, 5), null)).isEmpty();
    assertThat(b.blockCount()).isZero();
    assertThat(manager.availableBlocks()).isEqualTo(1);
    assertThat(manager.reserve(a, 12)).isTrue();
    assertThat(manager.reserve(a, 13)).isTrue();
    assertThat(a.blockCount()).isEqualTo(4);
    assertThat(manager.reserve(a, 17)).isFalse();
    assertThat(a.blockCount()).isEqualTo(4);
    assertThatThrownBy(() -> manager.allocate(a, tokens(0, 1), null)).hasMessageContaining("already holds");
  }

  @Test
  void evictionTakesTheLeastRecentlyReleasedBlocksLeavesFirst() {
    BlockManager manager = manager(8);
    int[] a = tokens(0, 13); // 3 full blocks + 1
    int[] b = tokens(100, 9); // 2 full blocks + 1
    manager.free(prefill(manager, a, null));
    manager.free(prefill(manager, b, null));
    assertThat(manager.stats().evictableBlocks()).isEqualTo(5);
    assertThat(manager.availableBlocks()).isEqualTo(8);

    // 3 free blocks, then the oldest released: a's last full block first.
    BlockTable c = prefill(manager, tokens(1000, 16), null);
    assertThat(manager.stats().evictions()).isEqualTo(1);
    assertThat(manager.cachedTokens(a, null)).as("a lost its leaf, kept its root").isEqualTo(8);
    assertThat(manager.cachedTokens(b, null)).isEqualTo(8);
    manager.free(c);

    BlockTable d = prefill(manager, tokens(2000, 24), null); // 6 blocks: 3 free + ... evictions follow LRU
    assertThat(manager.cachedTokens(a, null)).isZero();
    assertThat(manager.stats().evictions()).isGreaterThan(1);
    manager.free(d);
  }

  @Test
  void aPinnedSessionSurvivesOtherTrafficUntilItsTtl() {
    BlockManager manager = manager(10);
    int[] round1 = tokens(0, 14); // 3 full blocks + 2 tokens: the pin keeps the partial block too
    manager.pin("agent", prefill(manager, round1, "agent"), round1);
    assertThat(manager.pinnedTokens("agent")).isEqualTo(14);
    assertThat(manager.availableBlocks()).isEqualTo(6);

    for (int i = 0; i < 5; i++) { // other traffic churns through every unpinned block
      manager.free(prefill(manager, tokens(1000 * (i + 1), 22), null));
    }
    int[] round2 = concat(round1, tokens(500, 7));
    assertThat(manager.cachedTokens(round2, "agent")).as("pinned, partial block included").isEqualTo(14);
    assertThat(manager.cachedTokens(round2, null)).as("through the index alone: full blocks").isEqualTo(12);

    clock.advance(TTL);
    manager.expirePins();
    assertThat(manager.pinnedTokens("agent")).isZero();
    assertThat(manager.availableBlocks()).isEqualTo(10);
    for (int i = 0; i < 5; i++) {
      manager.free(prefill(manager, tokens(1000 * (i + 1), 22), null));
    }
    assertThat(manager.cachedTokens(round2, "agent")).as("evicted once unpinned").isZero();
  }

  @Test
  void theNextRoundTakesOverThePinnedPartialBlock() {
    BlockManager manager = manager(10);
    int[] round1 = tokens(0, 14);
    BlockTable first = prefill(manager, round1, "agent");
    int tail = first.block(3);
    manager.pin("agent", first, round1);
    assertThat(first.blockCount()).isZero();

    int[] round2 = concat(round1, tokens(500, 7)); // 21 tokens
    BlockTable second = new BlockTable(BS);
    assertThat(manager.allocate(second, round2, "agent")).hasValue(14);
    assertThat(second.block(3)).as("moved, not copied").isEqualTo(tail);
    assertThat(second.blockCount()).isEqualTo(6);
    BlockTable concurrent = new BlockTable(BS);
    assertThat(manager.allocate(concurrent, round2, "agent"))
        .as("the partial block has one owner; a second request shares only full blocks")
        .hasValue(12);
    manager.free(concurrent);

    second.advance(7);
    manager.commit(second, round2);
    manager.pin("agent", second, round2); // replaces the old pin
    assertThat(manager.pinnedTokens("agent")).isEqualTo(21);
    assertThat(manager.stats().pinnedSessions()).isEqualTo(1);
    assertThat(manager.stats().usedBlocks()).isEqualTo(6);

    assertThat(manager.cachedTokens(concat(round1, tokens(900, 3)), "agent"))
        .as("a prompt that diverges inside a pinned full block uses the blocks before it")
        .isEqualTo(12);
    assertThat(manager.release("agent")).isTrue();
    assertThat(manager.release("agent")).isFalse();
    assertThat(manager.stats().usedBlocks()).isZero();
    assertThat(manager.availableBlocks()).isEqualTo(10);
  }

  @Test
  void blocksReservedBeyondThePinnedTokensAreReleased() {
    BlockManager manager = manager(10);
    int[] prompt = tokens(0, 8);
    BlockTable table = prefill(manager, prompt, "s");
    assertThat(manager.reserve(table, 9)).isTrue();
    assertThat(table.blockCount()).isEqualTo(3);
    manager.pin("s", table, prompt);
    assertThat(manager.stats().usedBlocks()).isEqualTo(2);
  }
}
