package io.fathom.protocol.chat;

/** Cutting text without splitting a UTF-16 surrogate pair. */
final class TextCut {

  private TextCut() {}

  /** {@code at}, moved one left if it would fall between the two halves of a surrogate pair. */
  static int boundary(CharSequence text, int at) {
    if (at > 0 && at < text.length() && Character.isHighSurrogate(text.charAt(at - 1))
        && Character.isLowSurrogate(text.charAt(at))) {
      return at - 1;
    }
    return at;
  }

  /** At most the first {@code maxChars} characters of {@code text}, whole code points only. */
  static String head(String text, int maxChars) {
    return text.length() <= maxChars ? text : text.substring(0, boundary(text, maxChars));
  }
}
