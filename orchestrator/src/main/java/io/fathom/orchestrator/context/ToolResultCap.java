package io.fathom.orchestrator.context;

import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.Locale;
import java.util.Objects;

/**
 * Caps a tool result's text at {@code maxTokens} tokens before it enters the ledger: a longer text is cut to its
 * first {@code maxTokens} tokens (decoded back to text; a character split by the cut is dropped) followed by a
 * note to the model, e.g. {@code [truncated: 12,345 tokens, showing the first 4,000]}. The note is not counted
 * in the cap. Immutable and thread-safe.
 */
public final class ToolResultCap {

  private final HfTokenizer tokenizer;
  private final int maxTokens;

  public ToolResultCap(HfTokenizer tokenizer, int maxTokens) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1: " + maxTokens);
    }
    this.maxTokens = maxTokens;
  }

  public int maxTokens() {
    return maxTokens;
  }

  /**
   * The text to render.
   *
   * @param text the text as shown to the model (after the cut, with the note)
   * @param originalTokens the tokens of the whole result
   * @param truncated whether it was cut
   */
  public record Capped(String text, int originalTokens, boolean truncated) {}

  /** The note that follows a cut result. */
  public static String note(int originalTokens, int shownTokens) {
    return String.format(Locale.ROOT, "[truncated: %,d tokens, showing the first %,d]", originalTokens, shownTokens);
  }

  public Capped apply(String text) {
    Objects.requireNonNull(text, "text");
    int[] ids = tokenizer.encode(text);
    if (ids.length <= maxTokens) {
      return new Capped(text, ids.length, false);
    }
    int[] head = new int[maxTokens];
    System.arraycopy(ids, 0, head, 0, maxTokens);
    String kept = tokenizer.decode(head, false);
    int end = kept.length();
    while (end > 0 && kept.charAt(end - 1) == '\uFFFD') { // a multi-byte character cut in its byte-fallback ids
      end--;
    }
    return new Capped(kept.substring(0, end) + "\n" + note(ids.length, maxTokens), ids.length, true);
  }
}
