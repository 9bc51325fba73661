package io.fathom.engine.sampling;

import java.util.List;

/**
 * A generated token, its log-probability and the most likely alternatives, all under the model's own
 * distribution (the raw logits' log-softmax, before penalty, temperature and truncation: what OpenAI's
 * {@code logprobs} and vLLM's default report).
 *
 * @param topLogprobs the {@link SamplingParams#logprobs()} most likely tokens, most likely first (the lower id
 *     first among equals); empty when none were asked for
 */
public record SampledToken(int token, double logprob, List<TokenLogprob> topLogprobs) {

  public SampledToken {
    topLogprobs = List.copyOf(topLogprobs);
  }
}
