package io.fathom.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
      // Still usable, in parallel: the failed range released the runner.
      AtomicIntegerArray after = new AtomicIntegerArray(100);
      java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
      for (int round = 0; round < 200 && threads.size() < 2; round++) {
        parallel.forRange(100, 1, (from, to) -> {
          threads.add(Thread.currentThread());
          for (int i = from; i < to; i++) {
            after.incrementAndGet(i);
          }
          // Each chunk takes 100 µs, so the caller cannot drain them all before a parked worker wakes (it
          // took up to 85 µs on this VM; a busy host can deschedule it for longer, hence up to 200 rounds).
          long end = System.nanoTime() + 100_000;
          while (System.nanoTime() < end) {
            Thread.onSpinWait();
          }
        });
      }
      assertThat(threads).hasSize(2);
      assertThat(after.get(0)).isEqualTo(after.get(99)).isPositive();
    }
  }

  @Test
  void aWorkerThatHasParkedIsWokenForTheNextRange() throws Exception {
    try (ParallelRunner parallel = new ParallelRunner(2, 0)) {
      for (int round = 0; round < 3; round++) {
        // Idle for far longer than a worker spins, so it has parked.
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(ParallelRunner.SPIN_NANOS) * 10 + 20);
        // Two chunks that each wait for the other to start: only two threads at once get through.
        CountDownLatch bothStarted = new CountDownLatch(2);
        AtomicInteger met = new AtomicInteger();
        parallel.forRange(2, 1, (from, to) -> {
          bothStarted.countDown();
          try {
            if (bothStarted.await(10, TimeUnit.SECONDS)) {
              met.incrementAndGet();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        assertThat(met.get()).as("round %d: both chunks ran at the same time", round).isEqualTo(2);
      }
    }
  }

  @Test
  void aRangeStartedInsideARangeRunsOnItsCaller() {
    try (ParallelRunner parallel = new ParallelRunner(2, 0)) {
      AtomicIntegerArray seen = new AtomicIntegerArray(8 * 50);
      parallel.forRange(8, 1, (from, to) -> {
        for (int i = from; i < to; i++) {
          int outer = i;
          Thread caller = Thread.currentThread();
          parallel.forRange(50, 1, (innerFrom, innerTo) -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            for (int j = innerFrom; j < innerTo; j++) {
              seen.incrementAndGet(outer * 50 + j);
            }
          });
        }
      });
      for (int i = 0; i < seen.length(); i++) {
        assertThat(seen.get(i)).as("index %d", i).isEqualTo(1);
      }
    }
  }

  @Test
  void callersOnSeveralThreadsEachGetTheirWholeRange() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try (ParallelRunner parallel = new ParallelRunner(2, 0)) {
      List<Future<long[]>> sums = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        int caller = c;
        sums.add(callers.submit(() -> {
          long[] total = new long[200];
          for (int round = 0; round < 200; round++) {
            AtomicInteger sum = new AtomicInteger();
            parallel.forRange(1000, 1, (from, to) -> {
              int local = 0;
              for (int i = from; i < to; i++) {
                local += i + caller;
              }
              sum.addAndGet(local);
            });
            total[round] = sum.get();
          }
          return total;
        }));
      }
      for (int c = 0; c < 3; c++) {
        long expected = 999L * 1000 / 2 + 1000L * c;
        for (long total : sums.get(c).get(60, TimeUnit.SECONDS)) {
          assertThat(total).as("caller %d", c).isEqualTo(expected);
        }
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void noChunkRunsAfterItsRangeHasReturned() {
    try (ParallelRunner parallel = new ParallelRunner(2, 0)) {
      SplittableRandom random = new SplittableRandom(5);
      for (int round = 0; round < 3000; round++) {
        AtomicInteger returned = new AtomicInteger();
        AtomicInteger late = new AtomicInteger();
        AtomicInteger covered = new AtomicInteger();
        int n = 1 + random.nextInt(64);
        parallel.forRange(n, 1, (from, to) -> {
          if (returned.get() != 0) {
            late.incrementAndGet();
          }
          covered.addAndGet(to - from);
        });
        returned.set(1);
        assertThat(covered.get()).as("round %d", round).isEqualTo(n);
        assertThat(late.get()).as("round %d", round).isZero();
      }
    }
  }

  @Test
  void afterCloseRangesRunOnTheCaller() {
    ParallelRunner parallel = new ParallelRunner(2, 0);
    parallel.close();
    Thread caller = Thread.currentThread();
    AtomicIntegerArray seen = new AtomicIntegerArray(50);
    parallel.forRange(50, 1, (from, to) -> {
      assertThat(Thread.currentThread()).isSameAs(caller);
      for (int i = from; i < to; i++) {
        seen.incrementAndGet(i);
      }
    });
    for (int i = 0; i < 50; i++) {
      assertThat(seen.get(i)).isEqualTo(1);
    }
  }
}
