package io.fathom.protocol.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * A JSON writer with the output of Python's {@code json.dumps(value, ensure_ascii=False, indent=…,
 * separators=…, sort_keys=…)}, which is what Hugging Face chat templates write with {@code tojson}. Jackson's
 * output differs (no spaces after {@code ,} and {@code :}, other float forms), hence this class.
 *
 * <p>Accepts Jackson {@link JsonNode}s and plain Java values: {@link Map} (keys: strings, numbers, booleans or
 * null, turned into strings like Python does), {@link Iterable} and arrays, {@link CharSequence}, {@link Boolean},
 * integral numbers, floating numbers (written like Python's {@code repr(float)}) and null. Without
 * {@code ensureAscii}, non-ASCII is kept: only the quote, the backslash and control characters below U+0020 are
 * escaped.
 *
 * @param indent the indent string per level, or null for the single-line form
 * @param itemSeparator between items, {@code ", "} by default ({@code ","} when indenting)
 * @param keySeparator between a key and its value, {@code ": "} by default
 * @param sortKeys whether object keys are written in code point order
 * @param ensureAscii whether characters outside printable ASCII are written as JSON unicode escapes; Hugging
 *     Face templates write with {@code false}
 */
public record PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {

  /** {@code json.dumps(value, ensure_ascii=False)}. */
  public static final PyJson DEFAULT = new PyJson(null, ", ", ": ", false, false);

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  public PyJson {
    Objects.requireNonNull(itemSeparator, "itemSeparator");
    Objects.requireNonNull(keySeparator, "keySeparator");
  }

  /**
   * The settings of {@code json.dumps(indent=indent, separators=separators, sort_keys=sortKeys)}.
   *
   * @param indent null, an int (that many spaces; 0 or less: newlines only) or a string
   * @param separators null for the defaults, else a 2-element list (item separator, key separator)
   * @param sortKeys whether object keys are sorted
   * @param ensureAscii whether non-ASCII characters are escaped
   */
  public static PyJson of(Object indent, List<?> separators, boolean sortKeys, boolean ensureAscii) {
    String indentText =
        switch (indent) {
          case null -> null;
          case Number n -> " ".repeat((int) Math.max(0, n.longValue()));
          case CharSequence text -> text.toString();
          default -> throw new IllegalArgumentException("indent must be an int or a string, not " + PyStrings.typeName(indent));
        };
    if (separators == null) {
      return new PyJson(indentText, indentText == null ? ", " : ",", ": ", sortKeys, ensureAscii);
    }
    if (separators.size() != 2) {
      throw new IllegalArgumentException("separators must be a pair (item_separator, key_separator), got " + separators.size()
          + " element(s)");
    }
    return new PyJson(
        indentText,
        PyStrings.requireText(separators.get(0), "item separator"),
        PyStrings.requireText(separators.get(1), "key separator"),
        sortKeys,
        ensureAscii);
  }

  /** The JSON text of {@code value}. */
  public String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.toString();
  }

  /** Appends the JSON text of {@code value} to {@code out}. */
  public void write(StringBuilder out, Object value) {
    write(out, value, 0);
  }

  private void write(StringBuilder out, Object value, int depth) {
    switch (value) {
      case null -> out.append("null");
      case JsonNode node -> writeNode(out, node, depth);
      case CharSequence text -> string(out, text);
      case Boolean b -> out.append(b ? "true" : "false");
      case Character c -> string(out, String.valueOf(c));
      case Number n -> writeNumber(out, n);
      case Map<?, ?> map -> writeMap(out, map, depth);
      case Iterable<?> items -> writeList(out, items.iterator(), depth);
      case Object[] array -> writeList(out, List.of(array).iterator(), depth);
      default -> throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName()
          + " is not JSON serializable");
    }
  }

  private void writeNode(StringBuilder out, JsonNode node, int depth) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          entries.add(Map.entry(e.getKey(), e.getValue()));
        }
        writeEntries(out, entries, depth);
      }
      case ARRAY -> writeList(out, node.values().iterator(), depth);
      case STRING -> string(out, node.stringValue());
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NUMBER -> writeNumber(out, node.numberValue());
      case NULL, MISSING -> out.append("null");
      default -> string(out, node.asString());
    }
  }

  private void writeMap(StringBuilder out, Map<?, ?> map, int depth) {
    List<Map.Entry<String, Object>> entries = new ArrayList<>(map.size());
    for (Map.Entry<?, ?> e : map.entrySet()) {
      entries.add(new AbstractMap.SimpleImmutableEntry<>(keyText(e.getKey()), e.getValue()));
    }
    writeEntries(out, entries, depth);
  }

  private void writeEntries(StringBuilder out, List<Map.Entry<String, Object>> entries, int depth) {
    if (entries.isEmpty()) {
      out.append("{}");
      return;
    }
    if (sortKeys) {
      entries.sort((a, b) -> compareCodePoints(a.getKey(), b.getKey()));
    }
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : entries) {
      if (!first) {
        out.append(itemSeparator);
      }
      newline(out, depth + 1);
      string(out, e.getKey());
      out.append(keySeparator);
      write(out, e.getValue(), depth + 1);
      first = false;
    }
    newline(out, depth);
    out.append('}');
  }

  private void writeList(StringBuilder out, Iterator<?> items, int depth) {
    if (!items.hasNext()) {
      out.append("[]");
      return;
    }
    out.append('[');
    boolean first = true;
    while (items.hasNext()) {
      if (!first) {
        out.append(itemSeparator);
      }
      newline(out, depth + 1);
      write(out, items.next(), depth + 1);
      first = false;
    }
    newline(out, depth);
    out.append(']');
  }

  private void newline(StringBuilder out, int depth) {
    if (indent != null) {
      out.append('\n').append(indent.repeat(depth));
    }
  }

  /** Python turns non-string keys into strings: {@code True} → "true", {@code 1.5} → "1.5", None → "null". */
  private static String keyText(Object key) {
    return switch (key) {
      case null -> "null";
      case CharSequence text -> text.toString();
      case Boolean b -> b ? "true" : "false";
      case Number n -> numberText(n);
      default -> throw new IllegalArgumentException("keys must be str, int, float, bool or None, not "
          + key.getClass().getSimpleName());
    };
  }

  private static void writeNumber(StringBuilder out, Number n) {
    out.append(numberText(n));
  }

  private static String numberText(Number n) {
    return switch (n) {
      case Integer i -> Integer.toString(i);
      case Long l -> Long.toString(l);
      case Short s -> Short.toString(s);
      case Byte b -> Byte.toString(b);
      case BigInteger big -> big.toString();
      case BigDecimal decimal -> PyFloat.repr(decimal.doubleValue());
      default -> PyFloat.repr(n.doubleValue());
    };
  }

  private void string(StringBuilder out, CharSequence text) {
    if (ensureAscii) {
      writeAsciiString(out, text);
    } else {
      writeString(out, text);
    }
  }

  /** Appends {@code text} as a JSON string with non-ASCII escaped, like Python's {@code ensure_ascii=True}. */
  static void writeAsciiString(StringBuilder out, CharSequence text) {
    StringBuilder plain = new StringBuilder(text.length() + 2);
    writeString(plain, text);
    for (int i = 0; i < plain.length(); i++) {
      char c = plain.charAt(i);
      if (c < 0x7f) {
        out.append(c);
      } else {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      }
    }
  }

  /** Appends {@code text} as a JSON string, escaping like Python's {@code ensure_ascii=False}. */
  static void writeString(StringBuilder out, CharSequence text) {
    out.append('"');
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
