package io.fathom.orchestrator.context;

import io.fathom.protocol.openai.ChatMessage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ContextPolicy} shows the model for the next round: the request ids (the ledger with the collapsed
 * tool results replaced by placeholders, then the generation prompt), the same as chat messages, the collapse
 * state to store, and the compaction step the policy took, if any. A view is a function of the ledger's first
 * {@link #segmentCount()} segments and the state, so a resumed job gets the same ids; it is not affected by
 * later appends. Not thread-safe ({@link #messages()} is computed on first use).
 */
public final class ContextView {

  private final Ledger ledger;
  private final int segmentCount;
  private final ContextPolicy policy;
  private final CollapseState state;
  private final Compaction compaction;
  private final TokenIds requestIds;
  private List<ChatMessage> messages;

  private ContextView(
      Ledger ledger, ContextPolicy policy, CollapseState state, Compaction compaction, TokenIds requestIds) {
    this.ledger = ledger;
    this.segmentCount = ledger.segmentCount();
    this.policy = policy;
    this.state = state;
    this.compaction = compaction;
    this.requestIds = requestIds;
  }

  /** The view of the whole ledger with the tool results of the rounds {@code state} collapses as placeholders. */
  static ContextView of(Ledger ledger, ContextPolicy policy, CollapseState state, Compaction compaction) {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(state, "state");
    int[] out = new int[tokens(ledger, state)];
    int at = 0;
    for (int i = 0; i < ledger.segmentCount(); i++) {
      at = shown(ledger, ledger.segment(i), state).copyInto(out, at);
    }
    ledger.generationPromptIds().copyInto(out, at);
    return new ContextView(ledger, policy, state, compaction, TokenIds.wrap(out));
  }

  /** The size of the request the view of {@code state} would have. */
  static int tokens(Ledger ledger, CollapseState state) {
    int n = ledger.requestSize();
    for (int i = 0; i < ledger.segmentCount(); i++) {
      if (ledger.segment(i) instanceof Segment.ToolResponses t && state.collapses(t.round())) {
        n -= t.length() - ledger.collapsedIds(t).length();
      }
    }
    return n;
  }

  private static TokenIds shown(Ledger ledger, Segment segment, CollapseState state) {
    return segment instanceof Segment.ToolResponses t && state.collapses(t.round()) ? ledger.collapsedIds(t) : segment.ids();
  }

  /** The ids to send: the shown context followed by the generation prompt. */
  public TokenIds requestIds() {
    return requestIds;
  }

  /** The number of request ids. */
  public int tokens() {
    return requestIds.length();
  }

  /** The same context as chat messages (see {@link Ledger#messages(CollapseState)}). */
  public List<ChatMessage> messages() {
    if (messages == null) {
      messages = List.copyOf(ledger.messages(state, segmentCount));
    }
    return messages;
  }

  public ContextPolicy policy() {
    return policy;
  }

  /** The collapse state after applying the policy: store it, and pass it to the next {@code apply}. */
  public CollapseState state() {
    return state;
  }

  /** The compaction step taken by this application of the policy, to publish as {@code context.compacted}. */
  public Optional<Compaction> compaction() {
    return Optional.ofNullable(compaction);
  }

  /** How many ledger segments the view covers. */
  public int segmentCount() {
    return segmentCount;
  }
}
