package io.fathom.engine.sampling;

import java.util.List;

/**
 * How to pick each next token and when to stop, as in vLLM's {@code SamplingParams}. The processing order
 * is Hugging Face's: repetition penalty, temperature, top-k, top-p, min-p, then a draw.
 *
 * @param temperature 0 for greedy decoding (the highest logit, the lowest id among equals), else the
 *     divisor of the logits
 * @param topK keep the {@code topK} most likely tokens; 0 keeps all
 * @param topP keep the smallest set of most likely tokens whose probability reaches {@code topP}; 1 keeps all
 * @param minP drop tokens less likely than {@code minP} times the most likely one; 0 keeps all
 * @param repetitionPenalty CTRL's penalty on every token of the prompt and the output so far: a positive
 *     logit is divided by it, a negative one multiplied; 1 is none
 * @param seed the seed of the request's own random stream, for reproducible sampling; {@code null} draws a
 *     fresh seed
 * @param maxTokens stop after this many generated tokens
 * @param stopTokenIds stop after generating any of these (the stop token is part of the output)
 * @param logprobs how many most likely tokens to report with each generated token (0 to 20); the chosen
 *     token's log-probability is always reported
 */
public record SamplingParams(
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    Long seed,
    int maxTokens,
    List<Integer> stopTokenIds,
    int logprobs) {

  /** OpenAI's and vLLM's limit on reported alternatives. */
  public static final int MAX_LOGPROBS = 20;

  public SamplingParams {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 (0: off), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    if (!(minP >= 0 && minP <= 1)) {
      throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
    }
    if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("repetitionPenalty must be a finite number > 0, got " + repetitionPenalty);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
    }
    if (logprobs < 0 || logprobs > MAX_LOGPROBS) {
      throw new IllegalArgumentException("logprobs must be in [0, " + MAX_LOGPROBS + "], got " + logprobs);
    }
    stopTokenIds = List.copyOf(stopTokenIds);
  }

  /** Plain sampling from the model's distribution: temperature 1, no truncation, 16 tokens. */
  public static SamplingParams defaults() {
    return new SamplingParams(1.0, 0, 1.0, 0.0, 1.0, null, 16, List.of(), 0);
  }

  /** Greedy decoding, 16 tokens. */
  public static SamplingParams greedy() {
    return defaults().withTemperature(0);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  public SamplingParams withTemperature(double value) {
    return new SamplingParams(value, topK, topP, minP, repetitionPenalty, seed, maxTokens, stopTokenIds, logprobs);
  }

  public SamplingParams withTopK(int value) {
    return new SamplingParams(temperature, value, topP, minP, repetitionPenalty, seed, maxTokens, stopTokenIds, logprobs);
  }

  public SamplingParams withTopP(double value) {
    return new SamplingParams(temperature, topK, value, minP, repetitionPenalty, seed, maxTokens, stopTokenIds, logprobs);
  }

  public SamplingParams withMinP(double value) {
    return new SamplingParams(temperature, topK, topP, value, repetitionPenalty, seed, maxTokens, stopTokenIds, logprobs);
  }

  public SamplingParams withRepetitionPenalty(double value) {
    return new SamplingParams(temperature, topK, topP, minP, value, seed, maxTokens, stopTokenIds, logprobs);
  }

  public SamplingParams withSeed(Long value) {
    return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, value, maxTokens, stopTokenIds, logprobs);
  }

  public SamplingParams withMaxTokens(int value) {
    return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, seed, value, stopTokenIds, logprobs);
  }

  public SamplingParams withStopTokenIds(Integer... ids) {
    return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, seed, maxTokens, List.of(ids), logprobs);
  }

  public SamplingParams withLogprobs(int value) {
    return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, seed, maxTokens, stopTokenIds, value);
  }
}
