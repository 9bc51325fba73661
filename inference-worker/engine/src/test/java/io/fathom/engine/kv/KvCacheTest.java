package io.fathom.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.engine.model.ModelPresets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KvCacheTest {

  private static final KvLayout LAYOUT = new KvLayout(2, 2, 16, 16, KvDtype.F32);

  @Test
  void sizesFollowTheModel() {
    KvLayout nanbeige = KvLayout.of(ModelPresets.NANBEIGE_4_1_3B, 16);
    assertThat(nanbeige.dtype()).isEqualTo(KvDtype.BF16);
    assertThat(nanbeige.bytesPerToken()).isEqualTo(64 * 1024); // DESIGN: 64 KiB a token in bf16
    assertThat(KvLayout.of(ModelPresets.NANBEIGE_4_1_3B, 16, KvDtype.F32).bytesPerToken()).isEqualTo(128 * 1024);
    assertThat(nanbeige.blocksFor(262_144) * nanbeige.blockBytes()).isEqualTo(16L << 30); // a full context: 16 GiB
    assertThat(nanbeige.blocksFor(0)).isZero();
    assertThat(nanbeige.blocksFor(16)).isEqualTo(1);
    assertThat(nanbeige.blocksFor(17)).isEqualTo(2);
  }

  @Test
  void blocksDoNotOverlapAndTilesTheMemory() {
    try (KvCache cache = new KvCache(LAYOUT, 3)) {
      assertThat(cache.memory().byteSize()).isEqualTo(3 * LAYOUT.blockBytes());
      Set<Long> offsets = new HashSet<>();
      for (int layer = 0; layer < 2; layer++) {
        for (int block = 0; block < 3; block++) {
          for (int head = 0; head < 2; head++) {
            offsets.add(cache.keyOffset(layer, block, head));
            offsets.add(cache.valueOffset(layer, block, head));
          }
        }
      }
      assertThat(offsets).hasSize(24);
      assertThat(offsets.stream().mapToLong(Long::longValue).max().orElseThrow() + LAYOUT.headBlockBytes())
          .isEqualTo(cache.memory().byteSize());
      assertThat(offsets).allSatisfy(o -> assertThat(o % LAYOUT.headBlockBytes()).isZero());
    }
  }

  @Test
  void blockTablesTakeAndReturnBlocks() {
    try (KvCache cache = new KvCache(LAYOUT, 4)) {
      BlockTable a = new BlockTable(16);
      a.reserve(17, cache);
      assertThat(a.blockCount()).isEqualTo(2);
      a.advance(17);
      a.reserve(15, cache);
      assertThat(a.blockCount()).isEqualTo(2);
      a.reserve(16, cache);
      assertThat(a.blockCount()).isEqualTo(3);
      assertThat(cache.freeBlockCount()).isEqualTo(1);
      assertThat(Set.of(a.block(0), a.block(1), a.block(2))).hasSize(3);

      BlockTable b = new BlockTable(16);
      assertThatThrownBy(() -> b.reserve(33, cache))
          .isInstanceOf(KvCacheFullException.class)
          .hasMessageContaining("all 4 blocks of 16 tokens are in use");
      assertThat(b.blockCount()).as("the block it did get").isEqualTo(1);
      assertThatThrownBy(() -> a.advance(32)).hasMessageContaining("cannot advance by 32 tokens: 17 cached, room for 48");

      a.release(cache);
      b.release(cache);
      assertThat(cache.freeBlockCount()).isEqualTo(4);
      assertThat(a.tokenCount()).isZero();
      assertThatThrownBy(() -> cache.freeBlock(0)).hasMessageContaining("block 0 is already free");
      int taken = cache.allocateBlock();
      cache.allocateBlock();
      cache.freeBlock(taken);
      assertThatThrownBy(() -> cache.freeBlock(taken)).hasMessageContaining("is already free");
      assertThatThrownBy(() -> new BlockTable(8).reserve(1, cache)).hasMessageContaining("8-token blocks");
    }
  }

  @Test
  void aBlockManagerFillsTablesWithBlocksItChose() {
    BlockTable table = new BlockTable(16);
    for (int block : new int[] {7, 3, 9, 1, 4}) {
      table.append(block);
    }
    assertThat(table.blockCount()).isEqualTo(5);
    assertThat(table.capacity()).isEqualTo(80);
    table.advance(70);
    table.replace(1, 8);
    assertThat(table.block(1)).isEqualTo(8);
    assertThatThrownBy(() -> table.replace(5, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> table.append(-1)).hasMessageContaining("no block -1");
    table.clear();
    assertThat(table.blockCount()).isZero();
    assertThat(table.tokenCount()).isZero();
  }
}
