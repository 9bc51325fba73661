package io.fathom.protocol.chat;

/** Where the generation starts relative to the {@code <think>} block; depends on how the prompt ended. */
public enum ReasoningStart {
  /**
   * The prompt ended with {@code <|im_start|>assistant\n}. The output may open {@code <think>} itself (then
   * reasoning streams at once), may start with bare reasoning text that a later {@code </think>} closes, or
   * may have no reasoning at all. Until one of these is certain, text that did not start with
   * {@code <think>} is held back: it becomes reasoning if {@code </think>} follows, and is read as content
   * (tool calls included) when the generation ends, or once it is longer than any reasoning could be.
   */
  DETECT,
  /**
   * The prompt itself ended with {@code <think>\n}: the output starts inside the reasoning, streams it at once,
   * and an output that never writes {@code </think>} is an {@link ParseErrorKind#UNCLOSED_THINK}.
   */
  OPENED_BY_PROMPT
}
