package io.fathom.protocol.template;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites template syntax that Jinja parses one way and Jinjava another (or not at all), inside {@code {{ }}}
 * and {@code {% %}} only:
 *
 * <ul>
 *   <li>a stepped slice with literal bounds after a variable path, such as {@code messages[::-1]}, becomes
 *       {@code (messages|__py_slice(none, none, -1))} (Jinjava's parser stops at the second colon);
 *   <li>a keyword argument whose value is an expression gets the value in parentheses:
 *       {@code namespace(last_query_index=messages|length - 1)} becomes
 *       {@code namespace(last_query_index=(messages|length - 1))} (Jinjava binds {@code name=value} tighter than
 *       operators, so it would compute {@code (name=3) - 1} and fail).
 * </ul>
 */
final class TemplateSource {

  /** A value that needs no parentheses: a number, a variable path or a plain string literal. */
  private static final Pattern SIMPLE_VALUE =
      Pattern.compile("-?\\d+(?:\\.\\d+)?|[A-Za-z_][A-Za-z0-9_.]*|'[^'\\\\]*'|\"[^\"\\\\]*\"");

  private static final Pattern MACRO_TAG = Pattern.compile("^\\{%[-+]?\\s*macro\\b");

  /**
   * A variable path ({@code a}, {@code a.b}, {@code a['k'][0]}), a string literal or a flat list literal,
   * followed by {@code [start:stop:step]}.
   */
  private static final Pattern STEPPED_SLICE =
      Pattern.compile(
          "([A-Za-z_][A-Za-z0-9_]*(?:\\s*\\.\\s*[A-Za-z_][A-Za-z0-9_]*|\\[[^\\[\\]]*\\])*"
              + "|'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"|\\[[^\\[\\]]*\\])"
              + "\\[\\s*(-?\\d+)?\\s*:\\s*(-?\\d+)?\\s*:\\s*(-?\\d+)?\\s*\\]");

  private TemplateSource() {}

  static String prepare(String template) {
    StringBuilder out = new StringBuilder(template.length() + 64);
    int i = 0;
    int n = template.length();
    while (i < n) {
      int open = nextOpening(template, i);
      if (open < 0) {
        out.append(template, i, n);
        break;
      }
      out.append(template, i, open);
      char kind = template.charAt(open + 1);
      int end = kind == '#' ? commentEnd(template, open + 2) : codeEnd(template, open + 2, kind == '{' ? '}' : '%');
      String segment = template.substring(open, end);
      out.append(kind == '#' ? segment : rewriteCode(segment));
      i = end;
    }
    return out.toString();
  }

  private static int nextOpening(String template, int from) {
    int at = template.indexOf('{', from);
    while (at >= 0 && at + 1 < template.length()) {
      char next = template.charAt(at + 1);
      if (next == '{' || next == '%' || next == '#') {
        return at;
      }
      at = template.indexOf('{', at + 1);
    }
    return -1;
  }

  private static int commentEnd(String template, int from) {
    int close = template.indexOf("#}", from);
    return close < 0 ? template.length() : close + 2;
  }

  /** The end of a code segment: its closing delimiter outside string literals (or the end of the text). */
  private static int codeEnd(String template, int from, char closing) {
    char quote = 0;
    for (int i = from; i < template.length(); i++) {
      char c = template.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == closing && i + 1 < template.length() && template.charAt(i + 1) == '}') {
        return i + 2;
      }
    }
    return template.length();
  }

  private static String rewriteCode(String code) {
    String sliced = rewriteSlices(code);
    return MACRO_TAG.matcher(sliced).find() ? sliced : wrapKeywordValues(sliced);
  }

  /** Puts parentheses around the non-simple values of keyword arguments, at any call depth. */
  static String wrapKeywordValues(String code) {
    StringBuilder out = new StringBuilder(code.length() + 8);
    StringBuilder brackets = new StringBuilder();
    int i = 0;
    int n = code.length();
    while (i < n) {
      char c = code.charAt(i);
      if (c == '\'' || c == '"') {
        int end = stringEnd(code, i);
        out.append(code, i, end);
        i = end;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        brackets.append(c);
      } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
        brackets.setLength(brackets.length() - 1);
      } else if (isIdentifierStart(c)
          && !brackets.isEmpty()
          && brackets.charAt(brackets.length() - 1) == '('
          && startsArgument(out)) {
        int nameEnd = i;
        while (nameEnd < n && isIdentifierPart(code.charAt(nameEnd))) {
          nameEnd++;
        }
        int eq = skipSpaces(code, nameEnd);
        if (eq < n && code.charAt(eq) == '=' && (eq + 1 >= n || code.charAt(eq + 1) != '=')) {
          int valueEnd = valueEnd(code, eq + 1);
          String value = code.substring(eq + 1, valueEnd);
          String trimmed = value.strip();
          out.append(code, i, eq + 1);
          if (trimmed.isEmpty() || SIMPLE_VALUE.matcher(trimmed).matches()) {
            out.append(value);
          } else {
            int lead = value.indexOf(trimmed);
            out.append(value, 0, lead)
                .append('(')
                .append(wrapKeywordValues(trimmed))
                .append(')')
                .append(value, lead + trimmed.length(), value.length());
          }
          i = valueEnd;
          continue;
        }
        out.append(code, i, nameEnd);
        i = nameEnd;
        continue;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /** Whether the last non-blank character written opens an argument: {@code (} or {@code ,}. */
  private static boolean startsArgument(StringBuilder out) {
    for (int k = out.length() - 1; k >= 0; k--) {
      char c = out.charAt(k);
      if (!Character.isWhitespace(c)) {
        return c == '(' || c == ',';
      }
    }
    return false;
  }

  /** The end of an argument value: the next {@code ,} or closing bracket at its own depth. */
  private static int valueEnd(String code, int from) {
    int depth = 0;
    int i = from;
    while (i < code.length()) {
      char c = code.charAt(i);
      if (c == '\'' || c == '"') {
        i = stringEnd(code, i);
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) {
          return i;
        }
        depth--;
      } else if (c == ',' && depth == 0) {
        return i;
      }
      i++;
    }
    return i;
  }

  /** The index after the string literal starting at {@code start}. */
  private static int stringEnd(String code, int start) {
    char quote = code.charAt(start);
    for (int i = start + 1; i < code.length(); i++) {
      char c = code.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == quote) {
        return i + 1;
      }
    }
    return code.length();
  }

  private static int skipSpaces(String code, int from) {
    int i = from;
    while (i < code.length() && Character.isWhitespace(code.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isIdentifierStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || (c >= '0' && c <= '9');
  }

  private static String rewriteSlices(String code) {
    Matcher m = STEPPED_SLICE.matcher(code);
    if (!m.find()) {
      return code;
    }
    StringBuilder out = new StringBuilder(code.length() + 32);
    int last = 0;
    do {
      out.append(code, last, m.start())
          .append('(')
          .append(m.group(1))
          .append('|')
          .append(PySliceFilter.NAME)
          .append('(')
          .append(orNone(m.group(2)))
          .append(", ")
          .append(orNone(m.group(3)))
          .append(", ")
          .append(orNone(m.group(4)))
          .append("))");
      last = m.end();
    } while (m.find());
    return out.append(code, last, code.length()).toString();
  }

  private static String orNone(String literal) {
    return literal == null ? "none" : literal;
  }
}
