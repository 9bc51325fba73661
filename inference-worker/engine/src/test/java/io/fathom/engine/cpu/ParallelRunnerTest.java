package io.fathom.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelRunnerTest {

  @Test
  void runsEveryIndexExactlyOnce() {
    try (ParallelRunner parallel = new ParallelRunner(3, 0)) {
      for (int n : new int[] {1, 2, 7, 100, 1001}) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        parallel.forRange(n, 1, (from, to) -> {
          for (int i = from; i < to; i++) {
            seen.incrementAndGet(i);
          }
        });
        for (int i = 0; i < n; i++) {
          assertThat(seen.get(i)).as("n=%d index %d", n, i).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void rethrowsAFailureFromAnyThread() {
    try (ParallelRunner parallel = new ParallelRunner(2, 0)) {
      assertThatThrownBy(() -> parallel.forRange(100, 1, (from, to) -> {
            if (to == 100) {
              throw new IllegalStateException("boom at " + from);
            }
          }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("boom at");
      AtomicIntegerArray after = new AtomicIntegerArray(1);
      parallel.forRange(1, 1, (from, to) -> after.incrementAndGet(0));
      assertThat(after.get(0)).isEqualTo(1);
    }
  }
}
