package io.fathom.orchestrator.context;

import java.util.Locale;
import java.util.Objects;

/**
 * The model's context window, checked after the policy: a request plus the tokens reserved for the reply must
 * fit, or the job cannot go on (the loop ends it with the reason, which names the sizes and the policy).
 *
 * @param contextTokens the model's context in tokens; Nanbeige4.1-3B has {@value #NANBEIGE_CONTEXT_TOKENS}
 */
public record ContextBudget(int contextTokens) {

  /** Nanbeige4.1-3B's context. */
  public static final int NANBEIGE_CONTEXT_TOKENS = 262_144;

  public ContextBudget {
    if (contextTokens < 1) {
      throw new IllegalArgumentException("contextTokens must be >= 1: " + contextTokens);
    }
  }

  /** The budget of Nanbeige4.1-3B's 262,144-token context. */
  public static ContextBudget nanbeige() {
    return new ContextBudget(NANBEIGE_CONTEXT_TOKENS);
  }

  /** Whether a request fits, and if not why. */
  public sealed interface Check {
    /** The request and the reply fit, with {@code headroom} tokens to spare. */
    record Fits(int requestTokens, int headroom) implements Check {}

    /** They do not; {@code reason} says by how much and after which policy. */
    record Exceeded(int requestTokens, int replyTokens, int contextTokens, String reason) implements Check {}
  }

  /**
   * Checks {@code view} with {@code replyTokens} reserved for the model's reply (its {@code max_tokens}).
   */
  public Check check(ContextView view, int replyTokens) {
    Objects.requireNonNull(view, "view");
    if (replyTokens < 0) {
      throw new IllegalArgumentException("replyTokens must be >= 0: " + replyTokens);
    }
    long needed = (long) view.tokens() + replyTokens;
    if (needed <= contextTokens) {
      return new Check.Fits(view.tokens(), (int) (contextTokens - needed));
    }
    String reason =
        String.format(
            Locale.ROOT,
            "context budget exceeded: the request is %,d tokens after the %s context policy (%s), and with %,d tokens"
                + " reserved for the reply it needs %,d of the model's %,d-token context",
            view.tokens(),
            view.policy() == null ? "given" : view.policy().spec(),
            view.state().collapsedThroughRound() == 0
                ? "no tool result collapsed"
                : "tool results of rounds up to " + view.state().collapsedThroughRound() + " collapsed",
            replyTokens,
            needed,
            contextTokens);
    return new Check.Exceeded(view.tokens(), replyTokens, contextTokens, reason);
  }
}
