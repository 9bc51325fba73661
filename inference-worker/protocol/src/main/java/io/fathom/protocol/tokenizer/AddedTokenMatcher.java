package io.fathom.protocol.tokenizer;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Finds added tokens in text, leftmost-longest, the way Hugging Face tokenizers does: a match is discarded when a
 * {@code single_word} token touches a word character; {@code lstrip}/{@code rstrip} tokens swallow the adjacent
 * whitespace. Built once, read-only afterwards.
 */
final class AddedTokenMatcher {

  /** Receives the consecutive spans of a split; {@code token} is null for plain text. */
  @FunctionalInterface
  interface SpanSink {
    void span(int start, int end, AddedToken token);
  }

  private static final class Node {
    private final Map<Character, Node> children = new HashMap<>(4);
    private AddedToken token;
  }

  private final Node root = new Node();
  private final BitSet firstChars = new BitSet(Character.MAX_VALUE + 1);
  private final boolean empty;

  /**
   * @param tokens the tokens to match
   * @param patternOf the text to look for, given a token's content (e.g. its normalised form)
   */
  AddedTokenMatcher(List<AddedToken> tokens, UnaryOperator<String> patternOf) {
    boolean any = false;
    for (AddedToken token : tokens) {
      String pattern = patternOf.apply(token.content());
      if (pattern.isEmpty()) {
        continue;
      }
      Node node = root;
      for (int i = 0; i < pattern.length(); i++) {
        node = node.children.computeIfAbsent(pattern.charAt(i), c -> new Node());
      }
      if (node.token == null) { // on duplicates the first token wins
        node.token = token;
      }
      firstChars.set(pattern.charAt(0));
      any = true;
    }
    empty = !any;
  }

  boolean isEmpty() {
    return empty;
  }

  /** Splits {@code text} into plain and added-token spans that together cover it, in order. */
  void split(String text, SpanSink sink) {
    int length = text.length();
    int from = 0;
    int emitted = 0;
    while (from < length) {
      int matchStart = -1;
      int matchEnd = -1;
      AddedToken token = null;
      for (int i = from; i < length && token == null; i++) {
        if (!firstChars.get(text.charAt(i))) {
          continue;
        }
        Node node = root;
        for (int j = i; j < length; j++) {
          node = node.children.get(text.charAt(j));
          if (node == null) {
            break;
          }
          if (node.token != null) {
            token = node.token;
            matchStart = i;
            matchEnd = j + 1;
          }
        }
      }
      if (token == null) {
        break;
      }
      from = matchEnd;
      int start = matchStart;
      int stop = matchEnd;
      if (token.singleWord()
          && ((start > 0 && isWordChar(text.codePointBefore(start)))
              || (stop < length && isWordChar(text.codePointAt(stop))))) {
        continue;
      }
      if (token.lstrip()) {
        while (start > emitted && isWhiteSpace(text.codePointBefore(start))) {
          start -= Character.charCount(text.codePointBefore(start));
        }
      }
      if (token.rstrip()) {
        while (stop < length && isWhiteSpace(text.codePointAt(stop))) {
          stop += Character.charCount(text.codePointAt(stop));
        }
        from = stop;
      }
      if (emitted < start) {
        sink.span(emitted, start, null);
      }
      sink.span(start, stop, token);
      emitted = stop;
    }
    if (emitted < length) {
      sink.span(emitted, length, null);
    }
  }

  /** Unicode White_Space, as Rust's {@code char::is_whitespace} and regex {@code \s}. */
  static boolean isWhiteSpace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D)
        || cp == 0x20
        || cp == 0x85
        || cp == 0xA0
        || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x2028
        || cp == 0x2029
        || cp == 0x202F
        || cp == 0x205F
        || cp == 0x3000;
  }

  /** Unicode {@code \w} as in Rust's regex crate: alphabetic, marks, decimal digits, connector punctuation. */
  static boolean isWordChar(int cp) {
    if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK
        || type == Character.ENCLOSING_MARK
        || type == Character.COMBINING_SPACING_MARK
        || type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.CONNECTOR_PUNCTUATION;
  }
}
