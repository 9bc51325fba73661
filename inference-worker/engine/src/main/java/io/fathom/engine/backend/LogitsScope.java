package io.fathom.engine.backend;

/** Which positions of a forward pass get logits. */
public enum LogitsScope {
  /**
   * None: a prefill chunk that does not end the prompt only fills the cache, so it skips the final norm and
   * the output head (the largest matrix of a big-vocabulary model).
   */
  NONE,
  /** Only the last token: what generation needs. */
  LAST,
  /** Every token: for prompt log-probabilities ({@code /v1/completions} with {@code echo}) and tests. */
  ALL
}
