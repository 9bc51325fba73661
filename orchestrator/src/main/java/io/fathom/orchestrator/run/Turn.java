package io.fathom.orchestrator.run;

import io.fathom.orchestrator.events.EventData;
import java.util.List;

/**
 * What the model produced in one round, as the loop acts on it and stores it: the text split into
 * reasoning and content, the calls (those the model wrote wrongly carry their parse error), and
 * for token prompts the generated ids exactly.
 */
record Turn(
    String content,
    String reasoning,
    List<EventData.Call> calls,
    String finishReason,
    long promptTokens,
    long completionTokens,
    long durationMs,
    String server,
    int[] tokenIds) {

  /** The turn as stored in its {@code model.completed} event (replayed on resume). */
  static Turn stored(EventData.ModelCompleted m) {
    return new Turn(
        m.content(), m.reasoning(), m.toolCalls() == null ? List.of() : m.toolCalls(), m.finishReason(),
        m.usage().promptTokens(), m.usage().completionTokens(), m.durationMs(), m.server(), m.tokenIds());
  }

  /** A turn with no call (none valid, none broken) is the job's answer. */
  boolean isAnswer() {
    return calls.isEmpty();
  }
}
