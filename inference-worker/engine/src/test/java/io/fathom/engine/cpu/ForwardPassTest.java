package io.fathom.engine.cpu;

import io.fathom.engine.backend.Segment;
import io.fathom.engine.backend.Logits;
import io.fathom.engine.backend.LogitsScope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.kv.KvCacheFullException;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.reference.ReferenceCheckpoint;
import io.fathom.engine.reference.ReferenceLlama;
import io.fathom.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine's logits against the independent f64 reference, on tiny random checkpoints. */
class ForwardPassTest {

  /** f32 activations against f64: the error stays far below this fraction of the logits' scale. */
  private static final double RELATIVE_TOLERANCE = 1e-4;

  @TempDir Path directory;

  @ParameterizedTest
  @EnumSource(DType.class)
  void logitsOfEveryPositionMatchTheReferenceAcrossBlockBoundaries(DType dtype) throws IOException {
    Path checkpoint = TestModels.tiny(directory, dtype, 1);
    int[] prompt = TestModels.prompt(50, ModelPresets.TINY.vocabSize(), 7);
    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 64)) {
      Logits logits = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);
      assertMatchesReference(logits, new ReferenceLlama(ReferenceCheckpoint.read(checkpoint)).logits(prompt));
    }
  }

  @Test
  void dimensionsThatAreNotMultiplesOfTheVectorWidthMatchTheReference() throws IOException {
    Path checkpoint = TestModels.write(directory, TestModels.ODD, DType.BF16, 1);
    int[] prompt = TestModels.prompt(37, TestModels.ODD.vocabSize(), 11);
    try (EngineHarness engine = EngineHarness.open(checkpoint, 5, 64)) {
      Logits logits = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);
      assertMatchesReference(logits, new ReferenceLlama(ReferenceCheckpoint.read(checkpoint)).logits(prompt));
    }
  }

  @Test
  void aProfiledPassTimesEveryPhaseAndGivesTheSameLogits() throws IOException {
    Path checkpoint = TestModels.tiny(directory, DType.BF16, 1);
    int[] prompt = TestModels.prompt(20, ModelPresets.TINY.vocabSize(), 9);
    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 128)) {
      float[] plain = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL).values();
      PhaseTimes times = new PhaseTimes();
      engine.pass.profile(times);
      float[] profiled = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL).values();
      assertThat(profiled).containsExactly(plain);
      for (PhaseTimes.Phase phase : PhaseTimes.Phase.values()) {
        assertThat(times.nanos(phase)).as("%s", phase).isPositive();
      }
      engine.pass.profile(null);
      times.reset();
      engine.pass.forward(engine.newSequence(), prompt, LogitsScope.LAST);
      assertThat(times.all().values()).containsOnly(0L);
    }
  }

  @Test
  void tiedEmbeddingsServeAsTheOutputHead() throws IOException {
    Path checkpoint = TestModels.write(directory, TestModels.TINY_TIED, DType.BF16, 1);
    int[] prompt = TestModels.prompt(20, TestModels.TINY_TIED.vocabSize(), 3);
    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 32)) {
      assertThat(engine.checkpoint.tensors()).doesNotContainKey("lm_head.weight");
      Logits logits = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);
      assertMatchesReference(logits, new ReferenceLlama(ReferenceCheckpoint.read(checkpoint)).logits(prompt));
    }
  }

  @Test
  void aShardedCheckpointGivesTheSameLogitsAsASingleFile() throws IOException {
    int[] prompt = TestModels.prompt(20, ModelPresets.TINY.vocabSize(), 5);
    float[] single;
    float[] sharded;
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory.resolve("single"), DType.BF16, 1), 16, 32)) {
      single = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL).values();
    }
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory.resolve("sharded"), DType.BF16, 3), 16, 32)) {
      sharded = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL).values();
    }
    assertClose(sharded, single);
  }

  @Test
  void prefillThenDecodeEqualsTheWholeSequenceAtOnce() throws IOException {
    int[] prompt = TestModels.prompt(50, ModelPresets.TINY.vocabSize(), 13);
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory, DType.BF16, 1), 16, 128)) {
      Logits whole = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);

      BlockTable sequence = engine.newSequence();
      Logits prefill = engine.pass.forward(sequence, Arrays.copyOf(prompt, 30), LogitsScope.LAST);
      assertClose(prefill.last(), whole.row(29));
      for (int i = 30; i < 50; i++) {
        Logits step = engine.pass.forward(sequence, new int[] {prompt[i]}, LogitsScope.LAST);
        assertClose(step.last(), whole.row(i));
      }
      assertThat(sequence.tokenCount()).isEqualTo(50);
      assertThat(sequence.blockCount()).isEqualTo(4);
    }
  }

  @Test
  void chunkedPrefillEqualsTheWholeSequenceAtOnce() throws IOException {
    int[] prompt = TestModels.prompt(50, ModelPresets.TINY.vocabSize(), 17);
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory, DType.BF16, 1), 16, 128)) {
      Logits whole = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);
      BlockTable sequence = engine.newSequence();
      int done = 0;
      for (int chunk : new int[] {17, 16, 1, 16}) {
        Logits part = engine.pass.forward(sequence, Arrays.copyOfRange(prompt, done, done + chunk), LogitsScope.ALL);
        for (int i = 0; i < chunk; i++) {
          assertClose(part.row(i), whole.row(done + i));
        }
        done += chunk;
      }
    }
  }

  @Test
  void aChunkWithoutLogitsStillFillsTheCache() throws IOException {
    int[] prompt = TestModels.prompt(40, ModelPresets.TINY.vocabSize(), 37);
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory, DType.BF16, 1), 16, 128)) {
      Logits whole = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);
      BlockTable sequence = engine.newSequence();
      Logits none = engine.pass.forward(sequence, Arrays.copyOf(prompt, 25), LogitsScope.NONE);
      assertThat(none.rows()).isZero();
      assertThat(sequence.tokenCount()).isEqualTo(25);
      Logits rest = engine.pass.forward(sequence, Arrays.copyOfRange(prompt, 25, 40), LogitsScope.LAST);
      assertClose(rest.last(), whole.row(39));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 64})
  void theBlockSizeDoesNotChangeTheResult(int blockSize) throws IOException {
    int[] prompt = TestModels.prompt(40, ModelPresets.TINY.vocabSize(), 19);
    Path checkpoint = TestModels.tiny(directory, DType.BF16, 1);
    float[] reference;
    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 64)) {
      reference = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL).values();
    }
    try (EngineHarness engine = EngineHarness.open(checkpoint, blockSize, 64)) {
      assertClose(engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL).values(), reference);
    }
  }

  @Test
  void greedyContinuationIsTheReferencesGreedyContinuation() throws IOException {
    Path checkpoint = TestModels.tiny(directory, DType.BF16, 1);
    int[] prompt = TestModels.prompt(30, ModelPresets.TINY.vocabSize(), 23);
    ReferenceLlama reference = new ReferenceLlama(ReferenceCheckpoint.read(checkpoint));
    int[] expected = reference.greedy(prompt, 20);
    assertClearWinners(reference, prompt, expected);

    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 64)) {
      BlockTable sequence = engine.newSequence();
      int[] generated = new int[20];
      Logits logits = engine.pass.forward(sequence, prompt, LogitsScope.LAST);
      for (int i = 0; i < generated.length; i++) {
        generated[i] = logits.argmax(0);
        if (i + 1 < generated.length) {
          logits = engine.pass.forward(sequence, new int[] {generated[i]}, LogitsScope.LAST);
        }
      }
      assertThat(generated).containsExactly(expected);
    }
  }

  @Test
  void sequencesSharingACacheDoNotDisturbEachOther() throws IOException {
    int vocab = ModelPresets.TINY.vocabSize();
    int[] a = TestModels.prompt(40, vocab, 29);
    int[] b = TestModels.prompt(40, vocab, 31);
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory, DType.BF16, 1), 16, 160)) {
      Logits aloneA = alone(engine, a);
      Logits aloneB = alone(engine, b);
      BlockTable seqA = engine.newSequence();
      BlockTable seqB = engine.newSequence();
      engine.pass.forward(seqA, Arrays.copyOf(a, 10), LogitsScope.LAST);
      engine.pass.forward(seqB, Arrays.copyOf(b, 25), LogitsScope.LAST);
      for (int i = 10; i < 40; i++) {
        assertClose(engine.pass.forward(seqA, new int[] {a[i]}, LogitsScope.LAST).last(), aloneA.row(i));
        if (i >= 25) {
          assertClose(engine.pass.forward(seqB, new int[] {b[i]}, LogitsScope.LAST).last(), aloneB.row(i));
        }
      }
      seqA.release(engine.cache);
      seqB.release(engine.cache);
      assertThat(engine.cache.freeBlockCount()).isEqualTo(engine.cache.blockCount());
    }
  }

  @ParameterizedTest
  @EnumSource(WeightFormat.class)
  void aBatchOfSequencesGivesEachTheLogitsItGetsAlone(WeightFormat format) throws IOException {
    int vocab = ModelPresets.TINY.vocabSize();
    int[] a = TestModels.prompt(37, vocab, 41);
    int[] b = TestModels.prompt(21, vocab, 43);
    int[] c = TestModels.prompt(9, vocab, 47);
    Path checkpoint = TestModels.tiny(directory, DType.BF16, 1);
    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 256, format)) {
      Logits aloneA = alone(engine, a);
      Logits aloneB = alone(engine, b);
      Logits aloneC = alone(engine, c);
      BlockTable seqA = engine.newSequence();
      BlockTable seqB = engine.newSequence();
      BlockTable seqC = engine.newSequence();
      engine.pass.forward(seqA, Arrays.copyOf(a, 30), LogitsScope.NONE);
      engine.pass.forward(seqB, Arrays.copyOf(b, 20), LogitsScope.NONE);
      // One step: a decode of A, the last token of B, the whole prompt of C (a new sequence joining).
      List<Logits> step =
          engine.pass.forward(
              List.of(
                  new Segment(seqA, new int[] {a[30]}, LogitsScope.LAST),
                  new Segment(seqB, new int[] {b[20]}, LogitsScope.LAST),
                  new Segment(seqC, c, LogitsScope.ALL)));
      // The same arithmetic as alone (the kernels' tilings never change it); only while the JIT warms up can
      // the Vector API's reduction order differ between interpreted and compiled code, in the last bits.
      assertClose(step.get(0).last(), aloneA.row(30));
      assertClose(step.get(1).last(), aloneB.row(20));
      assertClose(step.get(2).values(), aloneC.values());
      // Then a batch of decodes, with one sequence asking for no logits.
      step =
          engine.pass.forward(
              List.of(
                  new Segment(seqA, Arrays.copyOfRange(a, 31, 37), LogitsScope.ALL),
                  new Segment(seqB, new int[] {1}, LogitsScope.NONE)));
      for (int i = 31; i < 37; i++) {
        assertClose(step.get(0).row(i - 31), aloneA.row(i));
      }
      assertThat(step.get(1).rows()).isZero();
      assertThat(seqA.tokenCount()).isEqualTo(37);
      assertThat(seqB.tokenCount()).isEqualTo(22);
      assertThat(seqC.tokenCount()).isEqualTo(9);
      if (format == WeightFormat.AS_STORED) {
        assertMatchesReference(step.get(0), rows(new ReferenceLlama(ReferenceCheckpoint.read(checkpoint)).logits(a), 31, 37));
      }
    }
  }

  @Test
  void aBf16CacheMatchesTheReferenceWithKeysAndValuesRoundedToBf16() throws IOException {
    Path checkpoint = TestModels.tiny(directory, DType.BF16, 1);
    int[] prompt = TestModels.prompt(50, ModelPresets.TINY.vocabSize(), 53);
    try (EngineHarness engine = EngineHarness.open(checkpoint, 16, 64, WeightFormat.AS_STORED, KvDtype.BF16)) {
      assertThat(engine.cache.layout().bytesPerToken()).isEqualTo(2L * 2 * 2 * 16 * 2); // 2 layers, K+V, 2 heads of 16
      Logits logits = engine.pass.forward(engine.newSequence(), prompt, LogitsScope.ALL);
      double[][] rounded = new ReferenceLlama(ReferenceCheckpoint.read(checkpoint), true).logits(prompt);
      double[][] exact = new ReferenceLlama(ReferenceCheckpoint.read(checkpoint)).logits(prompt);
      // Near a rounding tie the engine's f32 key and the reference's f64 key can round to neighbouring bf16
      // values, so the bound is looser than for an f32 cache, yet far tighter than the gap to the unrounded
      // reference (checked, so that the test would notice keys that were not rounded at all).
      double toRounded = worstRelative(logits, rounded);
      double toExact = worstRelative(logits, exact);
      assertThat(toRounded).isLessThan(1e-3);
      assertThat(toRounded).isLessThan(toExact / 10);
    }
  }

  @Test
  void aBatchNamingOneSequenceTwiceIsRejectedBeforeAnythingRuns() throws IOException {
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory, DType.BF16, 1), 16, 64)) {
      BlockTable sequence = engine.newSequence();
      assertThatThrownBy(
              () ->
                  engine.pass.forward(
                      List.of(
                          new Segment(sequence, new int[] {1}, LogitsScope.LAST),
                          new Segment(sequence, new int[] {2}, LogitsScope.LAST))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("segments 0 and 1 run the same sequence");
      assertThatThrownBy(() -> engine.pass.forward(List.of())).hasMessageContaining("at least one sequence");
      assertThat(sequence.tokenCount()).isZero();
      assertThat(engine.cache.freeBlockCount()).isEqualTo(engine.cache.blockCount());
    }
  }

  @Test
  void badInputIsRejectedWithoutTouchingTheSequence() throws IOException {
    ModelConfig tiny = ModelPresets.TINY;
    try (EngineHarness engine = EngineHarness.open(TestModels.tiny(directory, DType.BF16, 1), 16, 32)) {
      BlockTable sequence = engine.newSequence();
      assertThatThrownBy(() -> engine.pass.forward(sequence, new int[0], LogitsScope.LAST))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one token");
      assertThatThrownBy(() -> engine.pass.forward(sequence, new int[] {1, tiny.vocabSize()}, LogitsScope.LAST))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tokens[1] = 512");
      assertThatThrownBy(() -> engine.pass.forward(sequence, new int[] {-1}, LogitsScope.LAST))
          .hasMessageContaining("tokens[0] = -1");
      assertThatThrownBy(() -> engine.pass.forward(sequence, new int[tiny.maxPositionEmbeddings() + 1], LogitsScope.LAST))
          .hasMessageContaining("max_position_embeddings (4096)");
      assertThatThrownBy(() -> engine.pass.forward(sequence, new int[33], LogitsScope.LAST))
          .isInstanceOf(KvCacheFullException.class)
          .hasMessageContaining("all 2 blocks");
      assertThat(sequence.tokenCount()).isZero();
    }
  }

  private static Logits alone(EngineHarness engine, int[] prompt) {
    BlockTable sequence = engine.newSequence();
    Logits logits = engine.pass.forward(sequence, prompt, LogitsScope.ALL);
    sequence.release(engine.cache);
    return logits;
  }

  private static double worstRelative(Logits logits, double[][] reference) {
    double worst = 0;
    for (int t = 0; t < reference.length; t++) {
      double scale = 1;
      for (double v : reference[t]) {
        scale = Math.max(scale, Math.abs(v));
      }
      float[] row = logits.row(t);
      for (int i = 0; i < row.length; i++) {
        worst = Math.max(worst, Math.abs(row[i] - reference[t][i]) / scale);
      }
    }
    return worst;
  }

  private static double[][] rows(double[][] all, int from, int to) {
    return Arrays.copyOfRange(all, from, to);
  }

  private static void assertMatchesReference(Logits logits, double[][] reference) {
    assertThat(logits.rows()).isEqualTo(reference.length);
    double scale = 1;
    for (double[] row : reference) {
      for (double v : row) {
        scale = Math.max(scale, Math.abs(v));
      }
    }
    double worst = 0;
    for (int t = 0; t < reference.length; t++) {
      float[] row = logits.row(t);
      for (int i = 0; i < row.length; i++) {
        worst = Math.max(worst, Math.abs(row[i] - reference[t][i]));
      }
    }
    assertThat(worst / scale)
        .as("max |engine - reference| = %g for logits up to %g", worst, scale)
        .isLessThanOrEqualTo(RELATIVE_TOLERANCE);
    System.out.printf("max |engine - reference| = %.3g, logit scale %.3g%n", worst, scale);
  }

  /**
   * Two f32 computations of the same logits that differ only in summation order. Not bit-exact even for the
   * same inputs: the Vector API's lane reductions and {@code EXP} may round differently before and after
   * the JIT compiles them.
   */
  private static void assertClose(float[] actual, float[] expected) {
    double scale = 1;
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    assertThat(worst / scale).as("max difference %g at scale %g", worst, scale).isLessThanOrEqualTo(1e-5);
  }

  /** Guards the greedy test against near-ties, where f32 and f64 may legitimately pick different tokens. */
  private static void assertClearWinners(ReferenceLlama reference, int[] prompt, int[] continuation) {
    int[] sequence = Arrays.copyOf(prompt, prompt.length + continuation.length);
    System.arraycopy(continuation, 0, sequence, prompt.length, continuation.length);
    double[][] logits = reference.logits(Arrays.copyOf(sequence, sequence.length - 1));
    for (int i = 0; i < continuation.length; i++) {
      double[] row = logits[prompt.length - 1 + i].clone();
      Arrays.sort(row);
      assertThat(row[row.length - 1] - row[row.length - 2])
          .as("margin of greedy step %d", i)
          .isGreaterThan(1e-3);
    }
  }
}
