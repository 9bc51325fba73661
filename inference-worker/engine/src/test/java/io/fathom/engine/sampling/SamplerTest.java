package io.fathom.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The sampler against hand-worked distributions. Most use logits ln 1, ln 2, ln 3, ln 4, i.e. probabilities
 * 0.1, 0.2, 0.3, 0.4, and a "random" stream that returns a chosen u, so the token drawn is the one whose
 * cumulative interval holds u (candidates in id order without truncation, most likely first with it).
 */
class SamplerTest {

  private static final float[] TENTHS = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
  private static final SamplingParams PLAIN = SamplingParams.defaults();

  /** A stream that always returns {@code u} from nextDouble. */
  private static RandomGenerator fixed(double u) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return u;
      }
    };
  }

  private static int draw(float[] logits, SamplingParams params, double u) {
    return Sampler.sample(logits, params, new int[0], 0, fixed(u)).token();
  }

  @Test
  void plainSamplingWalksTheCumulativeDistributionInIdOrder() {
    // cumulative 0.1, 0.3, 0.6, 1.0
    assertThat(draw(TENTHS, PLAIN, 0.05)).isEqualTo(0);
    assertThat(draw(TENTHS, PLAIN, 0.29)).isEqualTo(1);
    assertThat(draw(TENTHS, PLAIN, 0.31)).isEqualTo(2);
    assertThat(draw(TENTHS, PLAIN, 0.59)).isEqualTo(2);
    assertThat(draw(TENTHS, PLAIN, 0.61)).isEqualTo(3);
    assertThat(draw(TENTHS, PLAIN, 0.999999)).isEqualTo(3);
  }

  @Test
  void greedyTakesTheArgmaxAndTheLowestIdAmongEquals() {
    assertThat(draw(TENTHS, SamplingParams.greedy(), 0.0)).isEqualTo(3);
    assertThat(draw(new float[] {1, 3, 3, 2}, SamplingParams.greedy(), 0.0)).isEqualTo(1);
  }

  @Test
  void temperatureSharpensOrFlattens() {
    // T = 0.5 squares the probabilities: 1, 4, 9, 16 / 30 -> cumulative 0.033, 0.167, 0.467, 1.
    SamplingParams sharp = PLAIN.withTemperature(0.5);
    assertThat(draw(TENTHS, sharp, 0.03)).isEqualTo(0);
    assertThat(draw(TENTHS, sharp, 0.04)).isEqualTo(1);
    assertThat(draw(TENTHS, sharp, 0.45)).isEqualTo(2);
    assertThat(draw(TENTHS, sharp, 0.48)).isEqualTo(3);
    // T = 2 takes square roots: 1, 1.414, 1.732, 2 / 6.146 -> cumulative 0.163, 0.393, 0.675, 1.
    SamplingParams flat = PLAIN.withTemperature(2);
    assertThat(draw(TENTHS, flat, 0.16)).isEqualTo(0);
    assertThat(draw(TENTHS, flat, 0.17)).isEqualTo(1);
    assertThat(draw(TENTHS, flat, 0.67)).isEqualTo(2);
    assertThat(draw(TENTHS, flat, 0.68)).isEqualTo(3);
  }

  @Test
  void topKKeepsTheKMostLikelyRenormalised() {
    // top-2: 0.4 and 0.3, most likely first -> 4/7 = 0.571 for token 3, then token 2.
    SamplingParams topK = PLAIN.withTopK(2);
    assertThat(draw(TENTHS, topK, 0.0)).isEqualTo(3);
    assertThat(draw(TENTHS, topK, 0.57)).isEqualTo(3);
    assertThat(draw(TENTHS, topK, 0.58)).isEqualTo(2);
    assertThat(draw(TENTHS, topK, 0.999)).isEqualTo(2);
    assertThat(draw(TENTHS, PLAIN.withTopK(1), 0.999)).isEqualTo(3);
    assertThat(draw(TENTHS, PLAIN.withTopK(10), 0.05)).as("k above the vocabulary keeps all").isEqualTo(0);
  }

  @Test
  void topPKeepsTheSmallestHeadReachingP() {
    assertThat(draw(TENTHS, PLAIN.withTopP(0.35), 0.999)).as("0.4 alone reaches 0.35").isEqualTo(3);
    SamplingParams p65 = PLAIN.withTopP(0.65); // 0.4 + 0.3 reach it: 4/7 then 3/7
    assertThat(draw(TENTHS, p65, 0.57)).isEqualTo(3);
    assertThat(draw(TENTHS, p65, 0.58)).isEqualTo(2);
    assertThat(draw(TENTHS, p65, 0.999)).isEqualTo(2);
    SamplingParams p75 = PLAIN.withTopP(0.75); // 0.4 + 0.3 + 0.2 = 0.9: 4/9, 3/9, 2/9 -> 0.444, 0.778, 1
    assertThat(draw(TENTHS, p75, 0.77)).isEqualTo(2);
    assertThat(draw(TENTHS, p75, 0.79)).isEqualTo(1);
    assertThat(draw(TENTHS, p75, 0.999)).isEqualTo(1);
  }

  @Test
  void topPAppliesToWhatTopKKept() {
    // top-3 keeps 0.4, 0.3, 0.2 (of 0.9): 0.444, 0.333, 0.222. top-p 0.7 needs 0.444 + 0.333 = 0.778.
    SamplingParams params = PLAIN.withTopK(3).withTopP(0.7);
    assertThat(draw(TENTHS, params, 0.999)).isEqualTo(2);
    // Over the whole distribution 0.4 + 0.3 = 0.7 would not reach 0.75, but over top-3's 0.9 it does.
    assertThat(draw(TENTHS, PLAIN.withTopK(3).withTopP(0.75), 0.999)).isEqualTo(2);
  }

  @Test
  void minPDropsTokensFarBelowTheMostLikely() {
    // min-p 0.6: threshold 0.24 keeps 0.3 and 0.4 (id order: 3/7 then 4/7).
    SamplingParams params = PLAIN.withMinP(0.6);
    assertThat(draw(TENTHS, params, 0.42)).isEqualTo(2);
    assertThat(draw(TENTHS, params, 0.44)).isEqualTo(3);
    // min-p 0.45: threshold 0.18 keeps 0.2, 0.3, 0.4 (of 0.9).
    assertThat(draw(TENTHS, PLAIN.withMinP(0.45), 0.2)).isEqualTo(1);
    assertThat(draw(TENTHS, PLAIN.withMinP(1), 0.999)).isEqualTo(3);
    // With top-p (most likely first): top-p 0.95 keeps all four, min-p 0.6 then drops 0.1 and 0.2.
    assertThat(draw(TENTHS, PLAIN.withTopP(0.95).withMinP(0.6), 0.58)).isEqualTo(2);
  }

  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
    float[] logits = {2, 1, -1, 1.5f};
    int[] history = {0, 2, 0, 99};
    SamplingParams greedy = SamplingParams.greedy().withRepetitionPenalty(2);
    // -> 1, 1, -2, 1.5: token 3 wins.
    SampledToken token = Sampler.sample(logits, greedy, history, history.length, fixed(0));
    assertThat(token.token()).isEqualTo(3);
    double logZ = Math.log(Math.exp(2) + Math.exp(1) + Math.exp(-1) + Math.exp(1.5));
    assertThat(token.logprob()).as("log-probabilities are the model's, before the penalty").isCloseTo(1.5 - logZ, within(1e-9));
    assertThat(Sampler.sample(logits, greedy, history, 1, fixed(0)).token()).as("only the history's first entry").isEqualTo(3);
    assertThat(Sampler.sample(logits, SamplingParams.greedy(), history, 4, fixed(0)).token()).isZero();
    // Sampled: 1, 1, -2, 1.5 -> e^1, e^1, e^-2, e^1.5 over their sum 10.054: 0.270, 0.270, 0.0135, 0.446.
    SamplingParams penalised = PLAIN.withRepetitionPenalty(2);
    assertThat(Sampler.sample(logits, penalised, history, 4, fixed(0.27)).token()).isZero();
    assertThat(Sampler.sample(logits, penalised, history, 4, fixed(0.55)).token()).isEqualTo(2);
    assertThat(Sampler.sample(logits, penalised, history, 4, fixed(0.56)).token()).isEqualTo(3);
  }

  @Test
  void logprobsReportTheChosenTokenAndTheTopN() {
    SampledToken token = Sampler.sample(TENTHS, PLAIN.withLogprobs(2), new int[0], 0, fixed(0.05));
    assertThat(token.token()).isZero();
    assertThat(token.logprob()).isCloseTo(Math.log(0.1), within(1e-6));
    assertThat(token.topLogprobs()).hasSize(2);
    assertThat(token.topLogprobs().get(0).token()).isEqualTo(3);
    assertThat(token.topLogprobs().get(0).logprob()).isCloseTo(Math.log(0.4), within(1e-6));
    assertThat(token.topLogprobs().get(1).token()).isEqualTo(2);
    assertThat(token.topLogprobs().get(1).logprob()).isCloseTo(Math.log(0.3), within(1e-6));

    SampledToken ties = Sampler.sample(new float[] {0, 5, 5, 1, 5}, SamplingParams.greedy().withLogprobs(4), new int[0], 0, fixed(0));
    assertThat(ties.topLogprobs()).extracting(TokenLogprob::token).containsExactly(1, 2, 4, 3);
    assertThat(Sampler.sample(TENTHS, PLAIN.withLogprobs(20), new int[0], 0, fixed(0)).topLogprobs()).hasSize(4);
    assertThat(Sampler.sample(TENTHS, PLAIN, new int[0], 0, fixed(0)).topLogprobs()).isEmpty();
  }

  @Test
  void aSeedMakesSamplingReproducible() {
    float[] logits = new float[512];
    SplittableRandom values = new SplittableRandom(3);
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (values.nextGaussian() * 2);
    }
    SamplingParams params = PLAIN.withTemperature(0.8).withTopP(0.95).withTopK(50).withMinP(0.01);
    int[] first = drawMany(logits, params, new SplittableRandom(7), 200);
    int[] again = drawMany(logits, params, new SplittableRandom(7), 200);
    int[] other = drawMany(logits, params, new SplittableRandom(8), 200);
    assertThat(again).containsExactly(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void drawsFollowTheTruncatedDistribution() {
    SplittableRandom random = new SplittableRandom(11);
    int[] counts = new int[4];
    int n = 40_000;
    for (int i = 0; i < n; i++) {
      counts[Sampler.sample(TENTHS, PLAIN.withTopK(3), new int[0], 0, random).token()]++;
    }
    assertThat(counts[0]).isZero();
    assertThat(counts[1] / (double) n).isCloseTo(2 / 9.0, within(0.01));
    assertThat(counts[2] / (double) n).isCloseTo(3 / 9.0, within(0.01));
    assertThat(counts[3] / (double) n).isCloseTo(4 / 9.0, within(0.01));
  }

  @Test
  void truncationOverABigVocabularyKeepsExactlyTheHead() {
    float[] logits = new float[166_144]; // Nanbeige's vocabulary
    SplittableRandom values = new SplittableRandom(5);
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (values.nextGaussian() * 3);
    }
    int[] order = IntStream.range(0, logits.length).boxed()
        .sorted((a, b) -> Float.compare(logits[b], logits[a])).mapToInt(Integer::intValue).toArray();
    Set<Integer> top5 = IntStream.of(order).limit(5).boxed().collect(Collectors.toSet());
    SplittableRandom random = new SplittableRandom(1);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      seen.add(Sampler.sample(logits, PLAIN.withTopK(5), new int[0], 0, random).token());
    }
    assertThat(seen).isEqualTo(top5);
    for (int i = 0; i < 100; i++) {
      int token = Sampler.sample(logits, PLAIN.withTopP(0.01).withMinP(0), new int[0], 0, random).token();
      assertThat(token).as("top-p this small keeps only the most likely").isEqualTo(order[0]);
    }
  }

  @Test
  void badParametersAreRejected() {
    assertThatThrownBy(() -> PLAIN.withTemperature(-1)).hasMessageContaining("temperature");
    assertThatThrownBy(() -> PLAIN.withTopP(0)).hasMessageContaining("topP");
    assertThatThrownBy(() -> PLAIN.withTopK(-1)).hasMessageContaining("topK");
    assertThatThrownBy(() -> PLAIN.withMinP(1.5)).hasMessageContaining("minP");
    assertThatThrownBy(() -> PLAIN.withRepetitionPenalty(0)).hasMessageContaining("repetitionPenalty");
    assertThatThrownBy(() -> PLAIN.withMaxTokens(0)).hasMessageContaining("maxTokens");
    assertThatThrownBy(() -> PLAIN.withLogprobs(21)).hasMessageContaining("logprobs");
  }

  private static int[] drawMany(float[] logits, SamplingParams params, SplittableRandom random, int n) {
    int[] tokens = new int[n];
    for (int i = 0; i < n; i++) {
      tokens[i] = Sampler.sample(logits, params, new int[0], 0, random).token();
    }
    return tokens;
  }
}
