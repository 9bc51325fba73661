package io.fathom.orchestrator.run;

import io.fathom.orchestrator.events.EventData;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * A job's conversation as the model server is sent it: OpenAI chat messages ({@link
 * ChatTranscript}) or the token-exact ledger ({@link LedgerTranscript}). The loop appends each
 * round's turn and results in order, live or replayed from the stored events; both give the same
 * transcript, so a resumed job continues exactly where it stopped.
 */
sealed interface Transcript permits ChatTranscript, LedgerTranscript {

  /**
   * Asks the model for round {@code round}'s turn, generating at most {@code generatedLeft} tokens
   * (the job's remaining budget). Fails with {@link io.fathom.orchestrator.model.ContextFullException} when the context (the job's budget or the server's) is full.
   */
  Mono<Turn> generate(int round, long generatedLeft);

  /** Appends the model's turn (live after its record is committed, or replayed). */
  void addTurn(int round, Turn turn);

  /** Appends the round's results in call order; returns the compaction it caused, if any. */
  Optional<EventData.ContextCompacted> addResults(int round, List<EventData.Call> calls, List<EventData.ToolCompleted> results);

  /** Cuts a tool result to the job's budget (with a note to the model) before it is shown. */
  String capResult(String text);
}
