package io.fathom.orchestrator.context;

/** What a {@link Segment} of a {@link Ledger} holds. */
public enum SegmentKind {
  /** System turn (with the tools block) and the user task, rendered and encoded once. */
  PROMPT,
  /** The generation prompt, the ids the model generated for one round, and the close of the turn. */
  ASSISTANT,
  /** The user turn carrying the {@code <tool_response>} blocks of one round, rendered and encoded. */
  TOOL_RESPONSES
}
