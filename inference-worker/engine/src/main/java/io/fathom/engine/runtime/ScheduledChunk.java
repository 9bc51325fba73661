package io.fathom.engine.runtime;

/**
 * One sequence's share of a step: run its tokens {@code [start, start + length)}. When the chunk reaches the
 * sequence's last token ({@link #samples()}), the step samples its next token; otherwise (a prefill chunk
 * in the middle of a prompt) it only fills the cache.
 */
public record ScheduledChunk(Sequence sequence, int start, int length) {

  public boolean samples() {
    return start + length == sequence.length();
  }

}
