package io.fathom.protocol.chat;

import java.util.List;

/** The tags the model writes around reasoning and tool calls, and how to find them in streamed text. */
enum ChatTag {
  THINK_OPEN("<think>"),
  THINK_CLOSE("</think>"),
  TOOL_CALL_OPEN("<tool_call>"),
  TOOL_CALL_CLOSE("</tool_call>");

  /** An occurrence of {@code tag} starting at {@code index}. */
  record Found(ChatTag tag, int index) {
    int end() {
      return index + tag.text.length();
    }
  }

  private final String text;

  ChatTag(String text) {
    this.text = text;
  }

  String text() {
    return text;
  }

  int length() {
    return text.length();
  }

  /**
   * The leftmost occurrence of any of {@code tags} in {@code text}, or null. Every tag starts with {@code '<'},
   * so this reads {@code text} only up to the match.
   */
  static Found earliest(StringBuilder text, List<ChatTag> tags) {
    for (int at = text.indexOf("<"); at >= 0; at = text.indexOf("<", at + 1)) {
      for (ChatTag tag : tags) {
        if (tag.occursAt(text, at)) {
          return new Found(tag, at);
        }
      }
    }
    return null;
  }

  /**
   * The length of the longest suffix of {@code text} that is a proper prefix of one of {@code patterns}:
   * text that may still turn into a tag and must not be emitted yet.
   */
  static int partialTagLength(CharSequence text, List<String> patterns) {
    int longestPattern = 0;
    for (String pattern : patterns) {
      longestPattern = Math.max(longestPattern, pattern.length());
    }
    for (int length = Math.min(text.length(), longestPattern - 1); length > 0; length--) {
      int start = text.length() - length;
      for (String pattern : patterns) {
        if (pattern.length() > length && regionEquals(text, start, pattern, length)) {
          return length;
        }
      }
    }
    return 0;
  }

  /** Whether {@code text} holds, from {@code start} to its end, a prefix of this tag (possibly all of it). */
  boolean isPrefixedBy(CharSequence text, int start) {
    int length = text.length() - start;
    return length <= this.text.length() && regionEquals(text, start, this.text, length);
  }

  /** Whether {@code text} holds this whole tag at {@code start}. */
  boolean occursAt(CharSequence text, int start) {
    return text.length() - start >= this.text.length() && regionEquals(text, start, this.text, this.text.length());
  }

  private static boolean regionEquals(CharSequence text, int start, String pattern, int length) {
    for (int i = 0; i < length; i++) {
      if (text.charAt(start + i) != pattern.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
