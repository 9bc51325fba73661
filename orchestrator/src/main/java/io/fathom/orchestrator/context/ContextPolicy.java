package io.fathom.orchestrator.context;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How much of a {@link Ledger} the model is shown each round. The ledger stays the append-only truth; a policy
 * only chooses which rounds' tool results are shown as {@link Ledger#omittedResultText placeholders}, always
 * the oldest ones, so its whole state is a {@link CollapseState} watermark. {@link #apply} is a pure function of
 * the ledger and the state passed in: storing the returned state and passing it back after a restore gives the
 * same ids. A placeholder never replaces a result that is already shorter than it.
 *
 * <p>The cost of changing the shown context is prefill: a worker reuses only the longest common prefix with the
 * previous request, so collapsing a round's results makes it recompute everything after that round.
 * {@link Full} never changes the prefix; {@link KeepLastK} changes it every round; {@link Compact} changes it
 * only when it compacts, which it does rarely and in large steps.
 */
public sealed interface ContextPolicy {

  /**
   * The view to send for the next round.
   *
   * @param state the state returned by the previous application ({@link CollapseState#NONE} at first)
   */
  ContextView apply(Ledger ledger, CollapseState state);

  /** The policy as text: {@code full}, {@code keep_last_k:K} or {@code compact:HIGH:LOW}; see {@link #parse}. */
  String spec();

  /**
   * A policy from its {@link #spec()} text.
   *
   * @throws IllegalArgumentException naming the accepted forms when {@code spec} is none of them
   */
  public static ContextPolicy parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String[] parts = spec.strip().toLowerCase(Locale.ROOT).split(":", -1);
    try {
      ContextPolicy policy =
          switch (parts[0]) {
            case "full" -> parts.length == 1 ? new Full() : null;
            case "keep_last_k" -> parts.length == 2 ? new KeepLastK(Integer.parseInt(parts[1])) : null;
            case "compact" ->
                parts.length == 3 ? new Compact(Integer.parseInt(parts[1]), Integer.parseInt(parts[2])) : null;
            default -> null;
          };
      if (policy != null) {
        return policy;
      }
    } catch (IllegalArgumentException e) { // NumberFormatException, or a value the policy refuses
      throw new IllegalArgumentException("context policy \"" + spec + "\": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(
        "context policy \"" + spec + "\" is not one of full, keep_last_k:K, compact:HIGH:LOW");
  }

  /** Every tool result is shown; the request only grows. */
  record Full() implements ContextPolicy {
    @Override
    public ContextView apply(Ledger ledger, CollapseState state) {
      return ContextView.of(ledger, this, CollapseState.NONE, null);
    }

    @Override
    public String spec() {
      return "full";
    }
  }

  /**
   * Only the tool results of the last {@code k} rounds that had tool results are shown; older ones are
   * placeholders (MiroFlow's keep-K). Stateless: the state it returns is derived from the ledger. The shown
   * prefix changes every round (the oldest kept result becomes a placeholder), so the worker re-prefills about
   * {@code k} rounds of context each round: the price of a small, steady context.
   */
  record KeepLastK(int k) implements ContextPolicy {
    public KeepLastK {
      if (k < 1) {
        throw new IllegalArgumentException("keep_last_k needs k >= 1 (the latest results must be shown): " + k);
      }
    }

    @Override
    public ContextView apply(Ledger ledger, CollapseState state) {
      List<Segment.ToolResponses> tools = toolSegments(ledger);
      int through = tools.size() > k ? tools.get(tools.size() - k - 1).round() : 0;
      return ContextView.of(ledger, this, new CollapseState(through), null);
    }

    @Override
    public String spec() {
      return "keep_last_k:" + k;
    }
  }

  /**
   * Cache-aware compaction. While the request is at most {@code highWater} tokens nothing changes, so every
   * round is a pure append. When it passes {@code highWater}, the oldest shown tool results are collapsed in one
   * step, oldest first, until the request is at most {@code lowWater} tokens (or only the latest round's results
   * are left: those are never collapsed, the model asked for them), and a {@link Compaction} is reported; the
   * prefix is then stable again until the next compaction. The state only ever grows.
   *
   * <p>A compaction makes the worker re-prefill what follows the first collapsed round, about
   * {@code lowWater} tokens, once per {@code highWater - lowWater} tokens appended: prefill / appended is
   * therefore about {@code 1 + lowWater / (highWater - lowWater)} in a long job — keep {@code lowWater} well
   * below {@code highWater} (a sixth of it or less for 1.2×).
   */
  record Compact(int highWater, int lowWater) implements ContextPolicy {
    public Compact {
      if (lowWater < 1 || lowWater >= highWater) {
        throw new IllegalArgumentException(
            "compact needs 0 < lowWater < highWater: high=" + highWater + ", low=" + lowWater);
      }
    }

    @Override
    public ContextView apply(Ledger ledger, CollapseState state) {
      Objects.requireNonNull(state, "state");
      int before = ContextView.tokens(ledger, state);
      if (before <= highWater) {
        return ContextView.of(ledger, this, state, null);
      }
      List<Segment.ToolResponses> tools = toolSegments(ledger);
      int after = before;
      int first = 0;
      int last = state.collapsedThroughRound();
      int count = 0;
      for (int i = 0; i < tools.size() - 1 && after > lowWater; i++) { // never the latest results
        Segment.ToolResponses t = tools.get(i);
        if (state.collapses(t.round())) {
          continue;
        }
        after -= t.length() - ledger.collapsedIds(t).length();
        first = count == 0 ? t.round() : first;
        last = t.round();
        count++;
      }
      if (count == 0) {
        return ContextView.of(ledger, this, state, null);
      }
      Compaction compaction = new Compaction(before, after, first, last, count);
      ContextView view = ContextView.of(ledger, this, compaction.state(), compaction);
      if (view.tokens() != after) {
        throw new IllegalStateException("compaction counted " + after + " tokens but built " + view.tokens());
      }
      return view;
    }

    @Override
    public String spec() {
      return "compact:" + highWater + ":" + lowWater;
    }
  }

  private static List<Segment.ToolResponses> toolSegments(Ledger ledger) {
    return ledger.segments().stream()
        .filter(Segment.ToolResponses.class::isInstance)
        .map(Segment.ToolResponses.class::cast)
        .toList();
  }
}
