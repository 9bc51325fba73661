package io.fathom.protocol.tokenizer;

/** Formatting helpers for error messages. */
final class Strings {

  private static final int MAX_QUOTED_CHARS = 80;

  private Strings() {}

  /** {@code s} in single quotes with control characters escaped and long values shortened. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_QUOTED_CHARS) + 8).append('\'');
    int limit = Math.min(s.length(), MAX_QUOTED_CHARS);
    for (int i = 0; i < limit; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        case '\'' -> sb.append("\\'");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20 || c == 0x7F) {
            sb.append(String.format("\\u%04X", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    if (s.length() > limit) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }
}
