package io.fathom.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.reference.ReferenceCheckpoint;
import io.fathom.engine.reference.ReferenceLlama;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine end to end on a tiny random checkpoint: generation, batching, prefix cache, pins, preemption. */
class EngineTest {

  private static final int VOCAB = ModelPresets.TINY.vocabSize();
  private static final Duration TTL = Duration.ofMinutes(5);

  @TempDir static Path directory;
  private static Path checkpoint;

  @BeforeAll
  static void writeCheckpoint() throws IOException {
    checkpoint = TinyEngine.write(directory, ModelPresets.TINY);
  }

  private static TinyEngine open(int blockSize, int blocks, EngineConfig config) throws IOException {
    return TinyEngine.open(checkpoint, blockSize, blocks, config);
  }

  private static EngineConfig config(int maxTokensPerStep) {
    return EngineConfig.defaults().withMaxTokensPerStep(maxTokensPerStep).withSessionTtl(TTL);
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
  }

  @Test
  void greedyGenerationIsTheReferencesGreedyContinuation() throws IOException {
    ReferenceLlama reference = new ReferenceLlama(ReferenceCheckpoint.read(checkpoint));
    // Prompts across several 16-token blocks; a 24-token step budget chunks their prefill.
    try (TinyEngine tiny = open(16, 16, config(24))) {
      for (int length : new int[] {50, 37}) {
        int[] prompt = TinyEngine.prompt(length, VOCAB, length);
        int[] expected = reference.greedy(prompt, 16);
        assertClearWinners(reference, prompt, expected);
        GenerationHandle handle = tiny.generate(prompt, SamplingParams.greedy().withMaxTokens(16), null);
        assertThat(handle.tokens()).containsExactly(expected);
        assertThat(handle.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(handle.usage().computedPromptTokens()).isEqualTo(length);
      }
      assertThat(tiny.engine.stats().steps()).as("prefill in chunks, then one step per token").isEqualTo(3 + 15 + 2 + 15);
    }
  }

  @Test
  void concurrentRequestsGiveTheSameTokensAsEachAlone() throws IOException {
    int[] a = TinyEngine.prompt(40, VOCAB, 1);
    int[] b = TinyEngine.prompt(23, VOCAB, 2);
    int[] c = TinyEngine.prompt(61, VOCAB, 3);
    SamplingParams greedy = SamplingParams.greedy().withMaxTokens(12).withLogprobs(3);
    SamplingParams sampled = SamplingParams.defaults().withTemperature(0.9).withTopP(0.95).withSeed(5L).withMaxTokens(20);
    List<List<SampledToken>> alone = new ArrayList<>();
    long stepsAlone = 0;
    for (int[] prompt : List.of(a, b, c)) {
      try (TinyEngine tiny = open(16, 32, config(32))) {
        alone.add(tiny.generate(prompt, prompt == c ? sampled : greedy, null).output());
        stepsAlone += tiny.engine.stats().steps();
      }
    }
    try (TinyEngine tiny = open(16, 32, config(32))) {
      GenerationHandle ha = tiny.engine.submit(a, greedy, null);
      tiny.engine.step();
      GenerationHandle hb = tiny.engine.submit(b, greedy, null); // joins a running batch
      GenerationHandle hc = tiny.engine.submit(c, sampled, null);
      tiny.engine.runUntilIdle();
      assertSameOutput(ha.output(), alone.get(0));
      assertSameOutput(hb.output(), alone.get(1));
      assertSameOutput(hc.output(), alone.get(2));
      assertThat(tiny.engine.stats().steps()).as("they shared steps").isLessThan(stepsAlone);
    }
  }

  @Test
  void aPrefixHitSkipsThePrefillOfTheCachedTokens() throws IOException {
    int[] shared = TinyEngine.prompt(40, VOCAB, 4);
    int[] first = concat(shared, TinyEngine.prompt(5, VOCAB, 5));
    int[] second = concat(shared, TinyEngine.prompt(10, VOCAB, 6));
    SamplingParams params = SamplingParams.greedy().withMaxTokens(6).withLogprobs(2);
    List<SampledToken> fresh;
    try (TinyEngine tiny = open(16, 16, config(512))) {
      fresh = tiny.generate(second, params, null).output();
    }
    try (TinyEngine tiny = open(16, 16, config(512))) {
      tiny.generate(first, params, null);
      long before = tiny.engine.stats().promptTokensComputed();
      GenerationHandle handle = tiny.generate(second, params, null);
      assertThat(handle.usage().cachedPromptTokens()).as("two full blocks of 16").isEqualTo(32);
      assertThat(handle.usage().computedPromptTokens()).isEqualTo(50 - 32);
      assertThat(tiny.engine.stats().promptTokensComputed() - before).isEqualTo(18);
      assertSameOutput(handle.output(), fresh);
    }
  }

  @Test
  void aPinnedSessionIsACacheHitAfterOtherTrafficAndIsEvictedAfterItsTtl() throws IOException {
    SamplingParams params = SamplingParams.greedy().withMaxTokens(8);
    try (TinyEngine tiny = open(16, 24, config(512))) {
      int[] round1 = TinyEngine.prompt(40, VOCAB, 7);
      GenerationHandle first = tiny.generate(round1, params, "agent");
      int[] round2 = concat(round1, first.tokens(), TinyEngine.prompt(10, VOCAB, 8));

      otherTraffic(tiny, 6, 100);
      assertThat(tiny.engine.stats().cache().evictions()).as("the traffic filled and evicted the cache").isPositive();
      GenerationHandle second = tiny.generate(round2, params, "agent");
      assertThat(second.usage().cachedPromptTokens())
          .as("all of round 1 but its last sampled token, partial block included")
          .isEqualTo(40 + 8 - 1);
      assertThat(second.usage().computedPromptTokens()).isEqualTo(11);
      try (TinyEngine fresh = open(16, 24, config(512))) {
        assertThat(second.tokens()).containsExactly(fresh.generate(round2, params, null).tokens());
      }

      int[] round3 = concat(round2, second.tokens(), TinyEngine.prompt(10, VOCAB, 9));
      tiny.clock.advance(TTL.plusSeconds(1));
      otherTraffic(tiny, 6, 100);
      GenerationHandle third = tiny.generate(round3, params, "agent");
      assertThat(third.usage().cachedPromptTokens()).as("unpinned after the TTL, then evicted").isZero();

      int[] round4 = concat(round3, third.tokens(), TinyEngine.prompt(10, VOCAB, 10));
      tiny.engine.release("agent");
      otherTraffic(tiny, 6, 100);
      assertThat(tiny.generate(round4, params, "agent").usage().cachedPromptTokens()).as("released").isZero();
      assertThat(tiny.engine.stats().cache().pinnedSessions()).isEqualTo(1);
    }
  }

  @Test
  void preemptedRequestsStillProduceTheSameTokens() throws IOException {
    // Blocks of 4, 12 in all: three requests of 10 + 14 tokens need 6 each.
    List<int[]> prompts = List.of(TinyEngine.prompt(10, VOCAB, 11), TinyEngine.prompt(10, VOCAB, 12), TinyEngine.prompt(10, VOCAB, 13));
    SamplingParams greedy = SamplingParams.greedy().withMaxTokens(14);
    SamplingParams sampled = SamplingParams.defaults().withTemperature(0.8).withSeed(99L).withMaxTokens(14);
    List<int[]> alone = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      try (TinyEngine tiny = open(4, 12, config(64))) {
        alone.add(tiny.generate(prompts.get(i), i == 2 ? sampled : greedy, null).tokens());
      }
    }
    try (TinyEngine tiny = open(4, 12, config(64))) {
      List<GenerationHandle> handles = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        handles.add(tiny.engine.submit(prompts.get(i), i == 2 ? sampled : greedy, null));
      }
      tiny.engine.runUntilIdle();
      assertThat(tiny.engine.stats().preemptions()).isPositive();
      assertThat(handles.stream().mapToInt(h -> h.usage().preemptions()).sum()).isPositive();
      for (int i = 0; i < prompts.size(); i++) {
        assertThat(handles.get(i).tokens()).as("request %d", i).containsExactly(alone.get(i));
        assertThat(handles.get(i).finishReason()).isEqualTo(FinishReason.LENGTH);
      }
      assertThat(tiny.engine.stats().cache().usedBlocks()).isZero();
    }
  }

  @Test
  void stopTokensMaxTokensAndStreaming() throws IOException {
    int[] prompt = TinyEngine.prompt(20, VOCAB, 14);
    try (TinyEngine tiny = open(16, 16, config(512))) {
      int[] tokens = tiny.generate(prompt, SamplingParams.greedy().withMaxTokens(10), null).tokens();
      assertThat(tokens).hasSize(10);
      int stopAt = firstNewTokenFrom(tokens, 3); // where that token first occurs, so it stops there
      List<Integer> streamed = new ArrayList<>();
      List<FinishReason> finished = new ArrayList<>();
      GenerationHandle handle =
          tiny.engine.submit(
              prompt,
              SamplingParams.greedy().withMaxTokens(10).withStopTokenIds(tokens[stopAt], VOCAB + 1),
              null,
              new TokenListener() {
                @Override
                public void onToken(GenerationHandle h, SampledToken token) {
                  streamed.add(token.token());
                }

                @Override
                public void onFinish(GenerationHandle h, FinishReason reason) {
                  finished.add(reason);
                }
              });
      assertThat(handle.poll()).isNull();
      tiny.engine.runUntilIdle();
      int[] expected = Arrays.copyOf(tokens, stopAt + 1);
      assertThat(handle.tokens()).containsExactly(expected);
      assertThat(handle.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(streamed).containsExactly(Arrays.stream(expected).boxed().toArray(Integer[]::new));
      assertThat(finished).containsExactly(FinishReason.STOP);
      List<Integer> polled = new ArrayList<>();
      for (SampledToken t; (t = handle.poll()) != null; ) {
        polled.add(t.token());
      }
      assertThat(polled).isEqualTo(streamed);
    }
  }

  @Test
  void cancellationFreesBlocksAtOnce() throws IOException {
    try (TinyEngine tiny = open(16, 8, config(512).withMaxRunningSequences(1))) {
      GenerationHandle running = tiny.engine.submit(TinyEngine.prompt(30, VOCAB, 15), SamplingParams.greedy().withMaxTokens(50), null);
      GenerationHandle waiting = tiny.engine.submit(TinyEngine.prompt(30, VOCAB, 16), SamplingParams.greedy().withMaxTokens(50), null);
      for (int i = 0; i < 3; i++) {
        tiny.engine.step();
      }
      assertThat(tiny.engine.stats().running()).isEqualTo(1);
      assertThat(tiny.engine.stats().waiting()).isEqualTo(1);
      assertThat(running.tokens()).hasSize(3);
      running.cancel();
      waiting.cancel();
      tiny.engine.step();
      assertThat(running.finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(waiting.finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(running.usage().generatedTokens()).isEqualTo(3);
      assertThat(tiny.engine.stats().cache().usedBlocks()).isZero();
      assertThat(tiny.engine.hasWork()).isFalse();
      running.cancel(); // too late: nothing happens
      tiny.engine.step();
      assertThat(running.tokens()).hasSize(3);
    }
  }

  @Test
  void badRequestsAreRejectedAtSubmit() throws IOException {
    try (TinyEngine tiny = open(16, 4, config(512))) {
      SamplingParams params = SamplingParams.greedy();
      assertThatThrownBy(() -> tiny.engine.submit(new int[0], params, null)).hasMessageContaining("empty");
      assertThatThrownBy(() -> tiny.engine.submit(new int[] {1, VOCAB}, params, null)).hasMessageContaining("prompt[1] = 512");
      assertThatThrownBy(() -> tiny.engine.submit(new int[65], params, null)).hasMessageContaining("longer than the 64");
      GenerationHandle full = tiny.generate(new int[64], params.withMaxTokens(5), null);
      assertThat(full.tokens()).as("a prompt that fills the cache still gets its one token").hasSize(1);
      assertThat(full.finishReason()).isEqualTo(FinishReason.LENGTH);
    }
  }

  private static int firstNewTokenFrom(int[] tokens, int from) {
    for (int i = from; i < tokens.length; i++) {
      int token = tokens[i];
      if (Arrays.stream(tokens, 0, i).noneMatch(t -> t == token)) {
        return i;
      }
    }
    throw new AssertionError("no new token after " + from + " in " + Arrays.toString(tokens));
  }

  private static void otherTraffic(TinyEngine tiny, int requests, int length) {
    for (int i = 0; i < requests; i++) {
      tiny.generate(TinyEngine.prompt(length, VOCAB, 1000 + i), SamplingParams.greedy().withMaxTokens(4), null);
    }
  }

  /** Same tokens; log-probabilities equal up to f32 rounding (summation order may differ after JIT). */
  private static void assertSameOutput(List<SampledToken> actual, List<SampledToken> expected) {
    assertThat(actual).extracting(SampledToken::token).isEqualTo(expected.stream().map(SampledToken::token).toList());
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).logprob()).isCloseTo(expected.get(i).logprob(), within(1e-4));
      assertThat(actual.get(i).topLogprobs()).hasSameSizeAs(expected.get(i).topLogprobs());
    }
  }

  /** Guards the greedy test against near-ties, where f32 and f64 may legitimately pick different tokens. */
  private static void assertClearWinners(ReferenceLlama reference, int[] prompt, int[] continuation) {
    double[][] logits = reference.logits(Arrays.copyOf(concat(prompt, continuation), prompt.length + continuation.length - 1));
    for (int i = 0; i < continuation.length; i++) {
      double[] row = logits[prompt.length - 1 + i].clone();
      Arrays.sort(row);
      assertThat(row[row.length - 1] - row[row.length - 2]).as("margin of greedy step %d", i).isGreaterThan(1e-3);
    }
  }
}
