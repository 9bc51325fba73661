package io.fathom.protocol.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Python {@code str} methods with CPython semantics, for the chat templates: Jinja templates call them on
 * message text, and the built-in renderer must cut and strip text exactly as they do.
 *
 * <p>Whitespace is {@code str.isspace()}: Java whitespace, Unicode space separators (including no-break
 * spaces), line/paragraph separators and U+0085. Character sets ({@code chars} arguments) are matched by code
 * point.
 */
public final class PyStrings {

  private PyStrings() {}

  /** {@code str.isspace()} for one code point. */
  public static boolean isSpace(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
  }

  /** {@code s.strip(chars)}; {@code chars == null} strips whitespace. */
  public static String strip(String s, String chars) {
    return rstrip(lstrip(s, chars), chars);
  }

  /** {@code s.lstrip(chars)}; {@code chars == null} strips whitespace. */
  public static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (!stripped(cp, chars)) {
        break;
      }
      i += Character.charCount(cp);
    }
    return s.substring(i);
  }

  /** {@code s.rstrip(chars)}; {@code chars == null} strips whitespace. */
  public static String rstrip(String s, String chars) {
    int end = s.length();
    while (end > 0) {
      int cp = s.codePointBefore(end);
      if (!stripped(cp, chars)) {
        break;
      }
      end -= Character.charCount(cp);
    }
    return s.substring(0, end);
  }

  private static boolean stripped(int cp, String chars) {
    return chars == null ? isSpace(cp) : chars.codePoints().anyMatch(c -> c == cp);
  }

  /**
   * {@code s.split(sep, maxsplit)}: with a separator, every occurrence cuts (empty pieces kept, unlike
   * {@link String#split}); with {@code sep == null}, runs of whitespace cut and no piece is empty.
   *
   * @param maxsplit at most this many cuts, from the left; negative means no limit
   * @throws IllegalArgumentException for an empty separator, like Python's ValueError
   */
  public static List<String> split(String s, String sep, int maxsplit) {
    return sep == null ? splitWhitespace(s, maxsplit) : splitOn(s, sep, maxsplit);
  }

  /** {@code s.split(sep)}. */
  public static List<String> split(String s, String sep) {
    return split(s, sep, -1);
  }

  private static List<String> splitOn(String s, String sep, int maxsplit) {
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    List<String> pieces = new ArrayList<>();
    int from = 0;
    int at;
    while ((maxsplit < 0 || pieces.size() < maxsplit) && (at = s.indexOf(sep, from)) >= 0) {
      pieces.add(s.substring(from, at));
      from = at + sep.length();
    }
    pieces.add(s.substring(from));
    return pieces;
  }

  private static List<String> splitWhitespace(String s, int maxsplit) {
    List<String> pieces = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (true) {
      while (i < n && isSpace(s.codePointAt(i))) {
        i += Character.charCount(s.codePointAt(i));
      }
      if (i >= n) {
        return pieces;
      }
      if (maxsplit >= 0 && pieces.size() >= maxsplit) {
        pieces.add(s.substring(i));
        return pieces;
      }
      int start = i;
      while (i < n && !isSpace(s.codePointAt(i))) {
        i += Character.charCount(s.codePointAt(i));
      }
      pieces.add(s.substring(start, i));
    }
  }

  /** {@code s.startswith(prefix)} where prefix is a string or a list/tuple of strings (any of them). */
  public static boolean startsWith(String s, Object prefix) {
    return anyOf(prefix, "startswith").stream().anyMatch(s::startsWith);
  }

  /** {@code s.endswith(suffix)} where suffix is a string or a list/tuple of strings (any of them). */
  public static boolean endsWith(String s, Object suffix) {
    return anyOf(suffix, "endswith").stream().anyMatch(s::endsWith);
  }

  private static List<String> anyOf(Object affix, String method) {
    if (affix instanceof CharSequence text) {
      return List.of(text.toString());
    }
    if (affix instanceof Iterable<?> items) {
      List<String> all = new ArrayList<>();
      for (Object item : items) {
        if (!(item instanceof CharSequence text)) {
          throw new IllegalArgumentException(method + " first arg must be str or a tuple of str, not a tuple holding "
              + typeName(item));
        }
        all.add(text.toString());
      }
      return all;
    }
    throw new IllegalArgumentException(method + " first arg must be str or a tuple of str, not " + typeName(affix));
  }

  /** {@code s.replace(old, new, count)}; a negative count replaces all. */
  public static String replace(String s, String old, String replacement, int count) {
    if (count < 0) {
      return s.replace(old, replacement);
    }
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (int done = 0; done < count; done++) {
      int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
      if (at < 0) {
        break;
      }
      if (old.isEmpty()) {
        out.append(replacement);
        if (at < s.length()) {
          int step = Character.charCount(s.codePointAt(at));
          out.append(s, at, at + step);
          from = at + step;
        } else {
          from = at + 1;
        }
        continue;
      }
      out.append(s, from, at).append(replacement);
      from = at + old.length();
    }
    if (from < s.length()) {
      out.append(s, from, s.length());
    }
    return out.toString();
  }

  /** {@code sep.join(items)}: every item must be a string. */
  public static String join(String sep, Iterable<?> items) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object item : items) {
      if (!(item instanceof CharSequence text)) {
        throw new IllegalArgumentException("join expects strings, found " + typeName(item));
      }
      if (!first) {
        out.append(sep);
      }
      out.append(text);
      first = false;
    }
    return out.toString();
  }

  static String typeName(Object value) {
    return value == null ? "None" : value.getClass().getSimpleName();
  }

  static String requireText(Object value, String what) {
    Objects.requireNonNull(what, "what");
    if (value instanceof CharSequence text) {
      return text.toString();
    }
    throw new IllegalArgumentException(what + " must be a string, not " + typeName(value));
  }
}
