package io.fathom.orchestrator.context;

/**
 * One step of the {@link ContextPolicy.Compact} policy, to publish as a {@code context.compacted} event.
 *
 * @param tokensBefore the request's tokens before the step (above the high-water mark)
 * @param tokensAfter the request's tokens after it
 * @param firstRound the oldest round whose tool results this step collapsed
 * @param lastRound the newest one; the state after the step collapses every round up to it
 * @param roundsCollapsed how many rounds' tool results this step collapsed
 */
public record Compaction(int tokensBefore, int tokensAfter, int firstRound, int lastRound, int roundsCollapsed) {

  /** The collapse state after this step. */
  public CollapseState state() {
    return new CollapseState(lastRound);
  }

  /** The tokens the step saved. */
  public int tokensSaved() {
    return tokensBefore - tokensAfter;
  }
}
