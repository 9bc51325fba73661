package io.fathom.orchestrator.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PrefillAccountingTest {

  private static int[] range(int from, int to) {
    return IntStream.range(from, to).toArray();
  }

  @Test
  void appendsPrefillOnlyTheNewTokens() {
    PrefillAccounting p = new PrefillAccounting(4);

    assertThat(p.next(range(0, 10))).isEqualTo(new PrefillAccounting.Round(10, 0, 10, 10));
    // 10 cached, 6 new; blocks of 4: 8 reusable, 8 to prefill
    assertThat(p.next(range(0, 16))).isEqualTo(new PrefillAccounting.Round(16, 10, 6, 8));
    // 16 cached, aligned: 3 new either way
    assertThat(p.next(range(0, 19))).isEqualTo(new PrefillAccounting.Round(19, 16, 3, 3));
    assertThat(p.totals()).isEqualTo(new PrefillAccounting.Totals(3, 45, 19, 21));
  }

  @Test
  void aChangeInThePrefixMakesEverythingAfterItNew() {
    PrefillAccounting p = new PrefillAccounting(4);
    p.next(range(0, 12));
    int[] changed = range(0, 14);
    changed[5] = 99;

    assertThat(p.next(changed)).isEqualTo(new PrefillAccounting.Round(14, 5, 9, 10));
  }

  @Test
  void theComparisonIsWithThePreviousRequestOnly() {
    PrefillAccounting p = new PrefillAccounting(1);
    p.next(range(0, 8));
    p.next(new int[] {7, 7, 7});
    assertThat(p.next(range(0, 9))).isEqualTo(new PrefillAccounting.Round(9, 0, 9, 9));
  }

  @Test
  void aFullyCachedRequestStillPrefillsOneToken() {
    PrefillAccounting p = new PrefillAccounting(4);
    p.next(range(0, 8));
    assertThat(p.next(range(0, 8))).isEqualTo(new PrefillAccounting.Round(8, 8, 1, 1));
    assertThat(p.next(range(0, 5))).isEqualTo(new PrefillAccounting.Round(5, 5, 1, 1));
    assertThat(p.next(new int[0])).isEqualTo(new PrefillAccounting.Round(0, 0, 0, 0));
  }

  @Test
  void theCallersArrayIsCopied() {
    PrefillAccounting p = new PrefillAccounting();
    int[] request = range(0, 32);
    p.next(request);
    request[0] = -1;
    assertThat(p.next(range(0, 40)).commonPrefix()).isEqualTo(32);
    assertThat(p.blockSize()).isEqualTo(16);
    assertThatThrownBy(() -> new PrefillAccounting(0)).hasMessageContaining("blockSize must be >= 1");
  }

  @Test
  void commonPrefixHandlesEqualAndNestedArrays() {
    assertThat(PrefillAccounting.commonPrefix(range(0, 5), range(0, 5))).isEqualTo(5);
    assertThat(PrefillAccounting.commonPrefix(range(0, 5), range(0, 3))).isEqualTo(3);
    assertThat(PrefillAccounting.commonPrefix(new int[0], range(0, 3))).isZero();
    assertThat(PrefillAccounting.commonPrefix(new int[] {1, 2}, new int[] {1, 3})).isEqualTo(1);
  }
}
