package io.fathom.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.cache.BlockManager;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.engine.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's decisions without a model: a step "runs" a chunk by advancing its block table, and every
 * sample is token 7. Blocks of 4 tokens.
 */
class SchedulerTest {

  private static final int BS = 4;

  private KvCache cache;
  private BlockManager blocks;
  private long ids;

  @AfterEach
  void close() {
    cache.close();
  }

  private Scheduler scheduler(int blockCount, int budget, int maxRunning) {
    cache = new KvCache(new KvLayout(1, 1, 4, BS, KvDtype.F32), blockCount);
    blocks = new BlockManager(cache, Duration.ofMinutes(1), new ManualClock());
    return new Scheduler(blocks, budget, maxRunning, 4096);
  }

  private Sequence sequence(int promptLength, int maxTokens) {
    int[] prompt = IntStream.range(0, promptLength).map(i -> (int) (ids * 1000 + i)).toArray();
    return new Sequence(++ids, prompt, SamplingParams.greedy().withMaxTokens(maxTokens), null, BS, null);
  }

  /** Schedules and "runs" one step; returns its chunks as "id:start+length". */
  private List<String> step(Scheduler scheduler) {
    List<ScheduledChunk> batch = scheduler.schedule();
    for (ScheduledChunk chunk : batch) {
      Sequence s = chunk.sequence();
      s.table().advance(chunk.length());
      blocks.commit(s.table(), s.tokenBuffer());
      if (chunk.samples()) {
        scheduler.postprocess(s, new SampledToken(7, 0, List.of()));
      }
    }
    return batch.stream().map(c -> c.sequence().id() + ":" + c.start() + "+" + c.length()).toList();
  }

  @Test
  void decodesGoFirstAndPrefillsTakeTheRestOfTheBudgetInChunks() {
    Scheduler scheduler = scheduler(64, 16, 8);
    Sequence a = sequence(3, 10);
    Sequence b = sequence(3, 10);
    scheduler.add(a);
    scheduler.add(b);
    assertThat(step(scheduler)).containsExactly("1:0+3", "2:0+3");
    Sequence c = sequence(40, 10);
    scheduler.add(c);
    assertThat(step(scheduler)).containsExactly("1:3+1", "2:3+1", "3:0+14");
    assertThat(step(scheduler)).containsExactly("1:4+1", "2:4+1", "3:14+14");
    assertThat(step(scheduler)).containsExactly("1:5+1", "2:5+1", "3:28+12");
    assertThat(c.generated()).isEqualTo(1);
    assertThat(step(scheduler)).containsExactly("1:6+1", "2:6+1", "3:40+1");
  }

  @Test
  void aLongPromptCannotStallTheDecodesOfOthers() {
    Scheduler scheduler = scheduler(64, 8, 8);
    Sequence a = sequence(2, 10);
    scheduler.add(a);
    step(scheduler);
    scheduler.add(sequence(100, 1));
    for (int i = 0; i < 5; i++) {
      List<String> chunks = step(scheduler);
      assertThat(chunks.getFirst()).isEqualTo("1:" + (2 + i) + "+1");
      assertThat(chunks.get(1)).endsWith("+7");
    }
  }

  @Test
  void admissionWaitsForBlocksFirstComeFirstServed() {
    Scheduler scheduler = scheduler(8, 64, 8);
    Sequence a = sequence(20, 2); // 5 blocks
    Sequence b = sequence(16, 2); // 4 blocks: does not fit beside a
    Sequence c = sequence(4, 2); // would fit, but must not overtake b
    scheduler.add(a);
    scheduler.add(b);
    scheduler.add(c);
    assertThat(step(scheduler)).containsExactly("1:0+20");
    assertThat(scheduler.waitingCount()).isEqualTo(2);
    assertThat(step(scheduler)).containsExactly("1:20+1");
    assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
    assertThat(step(scheduler)).containsExactly("2:0+16", "3:0+4");
  }

  @Test
  void runningOutOfBlocksPreemptsTheYoungestWhichResumesWithItsTokens() {
    Scheduler scheduler = scheduler(4, 64, 8);
    Sequence a = sequence(7, 20); // 2 blocks, grows into a third at token 9
    Sequence b = sequence(7, 20);
    scheduler.add(a);
    scheduler.add(b);
    assertThat(step(scheduler)).containsExactly("1:0+7", "2:0+7");
    assertThat(step(scheduler)).containsExactly("1:7+1", "2:7+1");
    assertThat(step(scheduler)).as("a needs a third block: b goes").containsExactly("1:8+1");
    assertThat(b.status()).isEqualTo(Sequence.Status.WAITING);
    assertThat(b.preemptions()).isEqualTo(1);
    assertThat(b.length()).as("b keeps its tokens").isEqualTo(9);
    assertThat(scheduler.preemptions()).isEqualTo(1);
    while (a.status() != Sequence.Status.FINISHED) {
      assertThat(step(scheduler)).allMatch(chunk -> chunk.startsWith("1:"));
    }
    assertThat(a.length()).as("a cannot grow past the 16-token cache").isEqualTo(16);
    assertThat(a.finishReason()).isEqualTo(FinishReason.LENGTH);
    List<String> resumed = step(scheduler);
    assertThat(resumed).as("a took every block, evicting b's: b recomputes prompt and output").containsExactly("2:0+9");
    assertThat(b.length()).isEqualTo(10);
  }

  @Test
  void aPreemptedSequenceResumesFromItsBlocksStillInThePrefixCache() {
    Scheduler scheduler = scheduler(5, 64, 8);
    Sequence a = sequence(7, 3);
    Sequence b = sequence(7, 3);
    scheduler.add(a);
    scheduler.add(b);
    assertThat(step(scheduler)).containsExactly("1:0+7", "2:0+7");
    assertThat(step(scheduler)).containsExactly("1:7+1", "2:7+1");
    assertThat(step(scheduler)).as("a takes the last free block; b must wait").containsExactly("1:8+1");
    assertThat(b.preemptions()).isEqualTo(1);
    assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
    assertThat(step(scheduler)).as("b's two full blocks were cached: one token to recompute").containsExactly("2:8+1");
  }

  @Test
  void aLoneSequenceThatCannotGrowWaitsInsteadOfFailing() {
    Scheduler scheduler = scheduler(3, 64, 8);
    Sequence a = sequence(8, 20); // 2 blocks, then 4 more tokens fill the third; the cache holds 12 tokens
    scheduler.add(a);
    while (a.status() != Sequence.Status.FINISHED) {
      step(scheduler);
    }
    assertThat(a.length()).isEqualTo(12);
    assertThat(a.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(scheduler.hasWork()).isFalse();
  }

  @Test
  void cancellingFreesBlocksAndDropsQueuedSequences() {
    Scheduler scheduler = scheduler(8, 64, 1);
    Sequence a = sequence(10, 20);
    Sequence b = sequence(10, 20);
    scheduler.add(a);
    scheduler.add(b);
    step(scheduler);
    assertThat(blocks.availableBlocks()).isEqualTo(5);
    assertThat(scheduler.cancel(a)).isTrue();
    assertThat(scheduler.cancel(a)).isFalse();
    assertThat(blocks.availableBlocks()).isEqualTo(8);
    assertThat(scheduler.cancel(b)).isTrue();
    assertThat(scheduler.hasWork()).isFalse();
    assertThat(a.finishReason()).isEqualTo(FinishReason.CANCELLED);
  }
}
