package io.fathom.engine.cpu;

/** Which positions of a forward pass get logits. */
public enum LogitsScope {
  /** Only the last token: what generation needs. */
  LAST,
  /** Every token: for prompt log-probabilities ({@code /v1/completions} with {@code echo}) and tests. */
  ALL
}
