package io.fathom.engine.sampling;

/** A token and its log-probability under the model's distribution. */
public record TokenLogprob(int token, double logprob) {}
