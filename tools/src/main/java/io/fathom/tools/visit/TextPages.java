package io.fathom.tools.visit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A text cut into pages of at most {@code pageChars} characters, on a line break where one falls
 * in the second half of the page, else on whitespace, else anywhere but inside a surrogate pair.
 * There is always at least one page.
 */
record TextPages(List<String> pages) {

  private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]");
  private static final Pattern TRAILING_SPACE = Pattern.compile("[ \\t]+\\n");
  private static final Pattern BLANK_LINES = Pattern.compile("\\n{3,}");

  TextPages {
    pages = List.copyOf(pages);
    if (pages.isEmpty()) {
      throw new IllegalArgumentException("there must be at least one page");
    }
  }

  static TextPages split(String text, int pageChars) {
    List<String> pages = new ArrayList<>();
    int start = skipLineBreaks(text, 0);
    while (text.length() - start > pageChars) {
      int cut = cut(text, start, start + pageChars);
      pages.add(text.substring(start, cut).stripTrailing());
      start = skipLineBreaks(text, cut);
    }
    pages.add(text.substring(start).stripTrailing());
    return new TextPages(pages);
  }

  int count() {
    return pages.size();
  }

  /** Page {@code number}, counted from 1. */
  String page(int number) {
    return pages.get(number - 1);
  }

  /**
   * Normalizes extracted text: {@code \n} line breaks, no control characters but tabs, no spaces
   * at line ends, at most one blank line in a row, no blank lines at either end.
   */
  static String tidy(String text) {
    String lines = text.replace("\r\n", "\n").replace('\r', '\n');
    lines = CONTROL.matcher(lines).replaceAll("");
    lines = TRAILING_SPACE.matcher(lines + "\n").replaceAll("\n");
    lines = BLANK_LINES.matcher(lines).replaceAll("\n\n");
    return lines.strip();
  }

  private static int cut(String text, int start, int limit) {
    int floor = start + (limit - start) / 2;
    int newline = text.lastIndexOf('\n', limit - 1);
    if (newline >= floor) {
      return newline + 1;
    }
    for (int i = limit - 1; i >= floor; i--) {
      if (Character.isWhitespace(text.charAt(i))) {
        return i + 1;
      }
    }
    return Character.isHighSurrogate(text.charAt(limit - 1)) ? limit - 1 : limit;
  }

  private static int skipLineBreaks(String text, int from) {
    int i = from;
    while (i < text.length() && text.charAt(i) == '\n') {
      i++;
    }
    return i;
  }
}
