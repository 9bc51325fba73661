package io.fathom.protocol.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Python {@code str} methods Hugging Face templates call on strings, which Jinjava lacks (it only exposes
 * Java's {@link String} methods, whose {@code split} takes a regex and drops trailing empty pieces):
 * {@code startswith}, {@code endswith}, {@code strip}, {@code lstrip}, {@code rstrip}, {@code split},
 * {@code replace}, {@code upper}, {@code lower}, {@code join}.
 */
final class PyStringMethods {

  private PyStringMethods() {}

  /** The result of {@code s.name(args…)}, or empty when {@code name} is not one of these methods. */
  static Optional<Object> call(String s, String name, Object[] args) {
    Object[] a = args == null ? new Object[0] : args;
    Object result =
        switch (name) {
          case "startswith" -> PyStrings.startsWith(s, arg(a, 0, name, 1, 1));
          case "endswith" -> PyStrings.endsWith(s, arg(a, 0, name, 1, 1));
          case "strip" -> PyStrings.strip(s, chars(a, name));
          case "lstrip" -> PyStrings.lstrip(s, chars(a, name));
          case "rstrip" -> PyStrings.rstrip(s, chars(a, name));
          case "split" -> split(s, a);
          case "replace" -> PyStrings.replace(
              s,
              PyStrings.requireText(arg(a, 0, name, 2, 3), "replace() old"),
              PyStrings.requireText(arg(a, 1, name, 2, 3), "replace() new"),
              a.length > 2 ? count(a[2], "replace() count") : -1);
          case "upper" -> noArgs(a, name, s.toUpperCase(Locale.ROOT));
          case "lower" -> noArgs(a, name, s.toLowerCase(Locale.ROOT));
          case "join" -> PyStrings.join(s, iterable(arg(a, 0, name, 1, 1)));
          default -> null;
        };
    return Optional.ofNullable(result);
  }

  private static Object split(String s, Object[] a) {
    checkCount(a, "split", 0, 2);
    String sep = a.length > 0 && a[0] != null ? PyStrings.requireText(a[0], "split() separator") : null;
    int maxsplit = a.length > 1 ? count(a[1], "split() maxsplit") : -1;
    return new ArrayList<Object>(PyStrings.split(s, sep, maxsplit));
  }

  private static String chars(Object[] a, String name) {
    checkCount(a, name, 0, 1);
    return a.length == 0 || a[0] == null ? null : PyStrings.requireText(a[0], name + "() chars");
  }

  private static Object noArgs(Object[] a, String name, Object result) {
    checkCount(a, name, 0, 0);
    return result;
  }

  private static Object arg(Object[] a, int index, String name, int min, int max) {
    checkCount(a, name, min, max);
    return a[index];
  }

  private static void checkCount(Object[] a, String name, int min, int max) {
    if (a.length < min || a.length > max) {
      String expected = min == max ? String.valueOf(min) : min + " to " + max;
      throw new IllegalArgumentException("str." + name + "() takes " + expected + " argument(s), got " + a.length);
    }
  }

  private static int count(Object value, String what) {
    if (value instanceof Number n) {
      return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n.longValue()));
    }
    throw new IllegalArgumentException(what + " must be an int, not " + PyStrings.typeName(value));
  }

  private static Iterable<?> iterable(Object value) {
    if (value instanceof Iterable<?> items) {
      return items;
    }
    if (value instanceof Object[] array) {
      return List.of(array);
    }
    throw new IllegalArgumentException("str.join() expects a list of strings, not " + PyStrings.typeName(value));
  }
}
