package io.fathom.protocol.tokenizer;

import java.util.List;

/**
 * The supported shape of a Hugging Face decoder: per-token steps ({@link Replace}, {@link Metaspace}), then
 * optionally ByteFallback, then (implicitly) Fuse, then optionally a leading Strip of the fused text.
 *
 * @param tokenSteps applied to each token's text, in order
 * @param byteFallback tokens of the form {@code <0xNN>} (after the token steps) are raw UTF-8 bytes
 * @param stripCodePoint the character stripped from the start of the decoded text
 * @param stripCount at most this many leading {@code stripCodePoint}s are removed
 */
record DecoderPipeline(List<TokenStep> tokenSteps, boolean byteFallback, int stripCodePoint, int stripCount) {

  DecoderPipeline {
    tokenSteps = List.copyOf(tokenSteps);
  }

  /** A transformation of one token's text. */
  sealed interface TokenStep permits Replace, Metaspace {}

  /** Replaces every occurrence of the literal {@code pattern} with {@code content}. */
  record Replace(String pattern, String content) implements TokenStep {}

  /**
   * The Metaspace decoder: the replacement becomes a space, except in the first token where, unless the prepend
   * scheme is "never", it is removed.
   */
  record Metaspace(String replacement, boolean removeInFirstToken) implements TokenStep {}

  /** The text of one token after the per-token steps. */
  String applyTokenSteps(String token, boolean firstToken) {
    String s = token;
    for (TokenStep step : tokenSteps) {
      switch (step) {
        case Replace r -> s = s.replace(r.pattern(), r.content());
        case Metaspace m -> s = s.replace(m.replacement(), firstToken && m.removeInFirstToken() ? "" : " ");
      }
    }
    return s;
  }

  /** The byte value of a byte-fallback token such as {@code <0x0A>}, or -1. */
  static int byteValue(String token) {
    if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
      return -1;
    }
    int hi = hexDigit(token.charAt(3));
    int lo = hexDigit(token.charAt(4));
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    } else if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }
}
