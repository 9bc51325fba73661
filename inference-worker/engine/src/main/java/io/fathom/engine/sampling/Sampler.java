package io.fathom.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from one row of logits, following {@link SamplingParams}, and reports
 * log-probabilities under the model's raw distribution.
 *
 * <p>Decisions: the work is in f64 over the f32 logits. Repetition penalty, then temperature; greedy is a
 * plain argmax of the penalised logits (lowest id among equals). Otherwise top-k, top-p (relative to what
 * top-k kept, as Hugging Face's warpers renormalise) and min-p (relative to the most likely token) cut a
 * candidate list ordered most likely first (lowest id first among equals), and one uniform draw from the
 * request's own random stream walks the kept candidates' cumulative mass: the same seed and the same
 * logits give the same token. Only the head of the distribution is sorted: the candidates are the tokens
 * above a threshold lowered until they hold at least {@code topK} tokens and {@code topP} of the mass,
 * which always contains the exact top-k / top-p set. Without top-k and top-p nothing is sorted.
 */
public final class Sampler {

  private Sampler() {}

  /**
   * Samples from {@code logits} ({@code [vocab]}); {@code history[0, historyLength)} is the sequence so far
   * (prompt and output) for the repetition penalty; {@code random} is the request's stream.
   */
  public static SampledToken sample(
      float[] logits, SamplingParams params, int[] history, int historyLength, RandomGenerator random) {
    int vocab = logits.length;
    double logZ = logSumExp(logits);
    double[] scores = new double[vocab];
    for (int i = 0; i < vocab; i++) {
      scores[i] = logits[i];
    }
    if (params.repetitionPenalty() != 1) {
      penalise(scores, params.repetitionPenalty(), history, historyLength);
    }
    int token = params.isGreedy() ? argmax(scores) : draw(scores, params, random);
    List<TokenLogprob> top = params.logprobs() == 0 ? List.of() : topLogprobs(logits, params.logprobs(), logZ);
    return new SampledToken(token, logits[token] - logZ, top);
  }

  /** The highest score's index, the lowest among equals. */
  static int argmax(double[] scores) {
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
      }
    }
    return best;
  }

  private static void penalise(double[] scores, double penalty, int[] history, int historyLength) {
    boolean[] seen = new boolean[scores.length];
    for (int i = 0; i < historyLength; i++) {
      int t = history[i];
      if (t >= 0 && t < scores.length && !seen[t]) {
        seen[t] = true;
        scores[t] = scores[t] > 0 ? scores[t] / penalty : scores[t] * penalty;
      }
    }
  }

  private static int draw(double[] scores, SamplingParams params, RandomGenerator random) {
    int vocab = scores.length;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      scores[i] /= params.temperature();
      max = Math.max(max, scores[i]);
    }
    // Unnormalised probabilities: the most likely token has 1.
    double[] p = new double[vocab];
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      p[i] = Math.exp(scores[i] - max);
      total += p[i];
    }
    boolean topK = params.topK() > 0 && params.topK() < vocab;
    boolean topP = params.topP() < 1;
    int[] candidates;
    int keep;
    if (topK || topP) {
      candidates = head(p, total, topK ? params.topK() : 0, topP ? params.topP() : 1);
      keep = topK ? Math.min(candidates.length, params.topK()) : candidates.length;
      if (topP) {
        double kept = topK ? sum(p, candidates, keep) : total;
        double before = 0;
        int n = 0;
        while (n < keep && (n == 0 || before < params.topP() * kept)) {
          before += p[candidates[n++]];
        }
        keep = n;
      }
      while (keep > 1 && p[candidates[keep - 1]] < params.minP()) {
        keep--;
      }
    } else {
      candidates = new int[vocab];
      keep = 0;
      for (int i = 0; i < vocab; i++) {
        if (p[i] >= params.minP()) {
          candidates[keep++] = i;
        }
      }
    }
    double u = random.nextDouble() * sum(p, candidates, keep);
    double cumulative = 0;
    for (int i = 0; i < keep; i++) {
      cumulative += p[candidates[i]];
      if (u < cumulative) {
        return candidates[i];
      }
    }
    return candidates[keep - 1];
  }

  /**
   * The tokens at or above a threshold holding at least {@code k} tokens and (below 1) {@code topP} of the
   * mass, most likely first, the lowest id first among equals. The threshold starts at the most likely
   * token's probability and drops 16-fold at a time.
   */
  private static int[] head(double[] p, double total, int k, double topP) {
    double threshold = 1;
    while (true) {
      int count = 0;
      double mass = 0;
      for (double v : p) {
        if (v >= threshold) {
          count++;
          mass += v;
        }
      }
      if ((count >= k && (topP >= 1 || mass >= topP * total)) || threshold == 0) {
        break;
      }
      threshold = threshold < 1e-300 ? 0 : threshold / 16;
    }
    List<Integer> head = new ArrayList<>();
    for (int i = 0; i < p.length; i++) {
      if (p[i] >= threshold) {
        head.add(i);
      }
    }
    head.sort((a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    return head.stream().mapToInt(Integer::intValue).toArray();
  }

  private static double sum(double[] p, int[] ids, int count) {
    double s = 0;
    for (int i = 0; i < count; i++) {
      s += p[ids[i]];
    }
    return s;
  }

  private static double logSumExp(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }

  /** The {@code n} highest logits as log-probabilities, highest first, the lowest id first among equals. */
  private static List<TokenLogprob> topLogprobs(float[] logits, int n, double logZ) {
    n = Math.min(n, logits.length);
    int[] best = new int[n];
    int count = 0;
    for (int i = 0; i < logits.length; i++) {
      if (count == n && !(logits[i] > logits[best[n - 1]])) {
        continue;
      }
      int at = count < n ? count++ : n - 1;
      while (at > 0 && logits[i] > logits[best[at - 1]]) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = i;
    }
    return Arrays.stream(best, 0, count).mapToObj(t -> new TokenLogprob(t, logits[t] - logZ)).toList();
  }
}
