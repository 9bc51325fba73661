package io.fathom.protocol.tokenizer;

/**
 * The Metaspace pre-tokenizer: spaces become {@code replacement}, the replacement is prepended according to
 * {@code prependScheme} and, when {@code split} is set, the text is cut before every replacement character.
 *
 * @param replacement the meta-space, usually "▁" (U+2581)
 * @param prependScheme when to prepend the replacement to a piece
 * @param split whether BPE runs on each "▁word" separately
 */
record MetaspacePreTokenizer(String replacement, PrependScheme prependScheme, boolean split) {

  /**
   * Replaces spaces and prepends the replacement when the scheme asks for it.
   *
   * @param atOrigin whether {@code piece} starts at offset 0 of the original input (for {@link PrependScheme#FIRST})
   */
  String prepare(String piece, boolean atOrigin) {
    String s = piece.replace(" ", replacement);
    boolean prepend =
        switch (prependScheme) {
          case ALWAYS -> true;
          case FIRST -> atOrigin;
          case NEVER -> false;
        };
    if (prepend && !s.isEmpty() && !s.startsWith(replacement)) {
      s = replacement.concat(s);
    }
    return s;
  }
}
