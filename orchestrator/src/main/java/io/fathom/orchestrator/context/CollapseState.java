package io.fathom.orchestrator.context;

/**
 * Which tool results a {@link ContextPolicy} shows as placeholders: those of every round up to and including
 * {@code collapsedThroughRound} (0: none). Policies collapse oldest first, so one watermark describes the whole
 * state; it is the data to store (e.g. with the {@code context.compacted} event, or per round) so that a resumed
 * job builds the same request ids from the restored ledger.
 */
public record CollapseState(int collapsedThroughRound) {

  /** Nothing collapsed. */
  public static final CollapseState NONE = new CollapseState(0);

  public CollapseState {
    if (collapsedThroughRound < 0) {
      throw new IllegalArgumentException("collapsedThroughRound must be >= 0: " + collapsedThroughRound);
    }
  }

  /** Whether the tool results of {@code round} are shown as placeholders. */
  public boolean collapses(int round) {
    return round <= collapsedThroughRound;
  }
}
