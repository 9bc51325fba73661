package io.fathom.orchestrator.context;

import java.util.List;
import java.util.Objects;

/**
 * What one round added to a {@link Ledger}: the exact ids of its assistant segment and, unless the round ended
 * the job, of its tool-response segment with the texts that were rendered into it. This is what a checkpoint
 * stores per round (see {@link LedgerCodec#encodeDelta}); {@link Ledger#restore} rebuilds the ledger from the
 * prompt ids and the deltas, id for id. Storage grows with what a round adds, never with the whole context.
 *
 * @param round the round, >= 1
 * @param assistant the assistant segment's ids (generation prompt, generated ids, close)
 * @param finishReason why the generation ended
 * @param toolResponses the tool-response segment's ids; empty when the round had no tool results
 * @param toolResults the texts of the tool results in call order; empty exactly when {@code toolResponses} is
 */
public record RoundDelta(
    int round, TokenIds assistant, String finishReason, TokenIds toolResponses, List<String> toolResults) {

  public RoundDelta {
    Objects.requireNonNull(assistant, "assistant");
    Objects.requireNonNull(finishReason, "finishReason");
    Objects.requireNonNull(toolResponses, "toolResponses");
    toolResults = List.copyOf(toolResults);
    if (round < 1) {
      throw new IllegalArgumentException("round must be >= 1: " + round);
    }
    if (assistant.isEmpty()) {
      throw new IllegalArgumentException("round " + round + ": the assistant segment has no ids");
    }
    if (toolResults.isEmpty() != toolResponses.isEmpty()) {
      throw new IllegalArgumentException(
          "round " + round + ": " + toolResults.size() + " tool results but " + toolResponses.length()
              + " tool-response ids; both must be empty or both present");
    }
  }

  /** Whether the round had tool results. */
  public boolean hasToolResponses() {
    return !toolResults.isEmpty();
  }

  /** The number of ids the round added. */
  public int tokens() {
    return assistant.length() + toolResponses.length();
  }
}
