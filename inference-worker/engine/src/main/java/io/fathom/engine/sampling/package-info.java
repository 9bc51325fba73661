/**
 * Turning next-token logits into a token: {@link io.fathom.engine.sampling.SamplingParams} (greedy,
 * temperature, top-k, top-p, min-p, repetition penalty, seed, stop token ids, max tokens, logprobs) and the
 * {@link io.fathom.engine.sampling.Sampler}, which also reports log-probabilities.
 */
package io.fathom.engine.sampling;
