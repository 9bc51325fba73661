package io.fathom.worker.http;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Typed reads of optional request fields, each failing with a 400 that names the field and what it must be.
 * A field given as JSON {@code null} counts as absent; fields the worker does not know are ignored.
 */
final class Fields {

  private Fields() {}

  static JsonNode get(JsonNode body, String name) {
    JsonNode value = body.get(name);
    return value == null || value.isNull() ? null : value;
  }

  static boolean bool(JsonNode body, String name, boolean fallback) {
    JsonNode v = get(body, name);
    if (v == null) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw ApiException.badRequest(name, name + " must be true or false, got " + brief(v));
    }
    return v.booleanValue();
  }

  static double number(JsonNode body, String name, double fallback) {
    JsonNode v = get(body, name);
    if (v == null) {
      return fallback;
    }
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      throw ApiException.badRequest(name, name + " must be a number, got " + brief(v));
    }
    return v.doubleValue();
  }

  /** A number in [min, max] ({@code minExclusive}: above min). */
  static double number(JsonNode body, String name, double fallback, double min, boolean minExclusive, double max) {
    double value = number(body, name, fallback);
    if (value < min || (minExclusive && value == min) || value > max) {
      throw ApiException.badRequest(
          name, name + " must be " + (minExclusive ? "> " : ">= ") + fmt(min)
              + (Double.isInfinite(max) ? "" : " and <= " + fmt(max)) + ", got " + fmt(value));
    }
    return value;
  }

  static Long integer(JsonNode body, String name) {
    JsonNode v = get(body, name);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() && !(v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()))) {
      throw ApiException.badRequest(name, name + " must be an integer, got " + brief(v));
    }
    if (!v.canConvertToLong()) {
      throw ApiException.badRequest(name, name + " is out of range: " + brief(v));
    }
    return v.longValue();
  }

  static Integer integer(JsonNode body, String name, long min, long max) {
    Long value = integer(body, name);
    if (value == null) {
      return null;
    }
    if (value < min || value > max) {
      throw ApiException.badRequest(
          name, name + " must be between " + min + " and " + max + ", got " + value);
    }
    return value.intValue();
  }

  static String string(JsonNode body, String name, int maxLength) {
    JsonNode v = get(body, name);
    if (v == null) {
      return null;
    }
    if (!v.isString()) {
      throw ApiException.badRequest(name, name + " must be a string, got " + brief(v));
    }
    String s = v.stringValue();
    if (s.length() > maxLength) {
      throw ApiException.badRequest(name, name + " is " + s.length() + " characters, above the limit of " + maxLength);
    }
    return s;
  }

  /** A string or an array of strings (OpenAI's {@code stop}). */
  static List<String> strings(JsonNode body, String name, int maxCount, int maxLength) {
    JsonNode v = get(body, name);
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (v.isString()) {
      out.add(v.stringValue());
    } else if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        if (!e.isString()) {
          throw ApiException.badRequest(name, name + "[" + i + "] must be a string, got " + brief(e));
        }
        out.add(e.stringValue());
      }
    } else {
      throw ApiException.badRequest(name, name + " must be a string or an array of strings, got " + brief(v));
    }
    if (out.size() > maxCount) {
      throw ApiException.badRequest(name, name + " has " + out.size() + " entries, above the limit of " + maxCount);
    }
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).isEmpty()) {
        throw ApiException.badRequest(name, name + "[" + i + "] is empty");
      }
      if (out.get(i).length() > maxLength) {
        throw ApiException.badRequest(name, name + "[" + i + "] is longer than " + maxLength + " characters");
      }
    }
    return out;
  }

  /** An array of token ids in [0, vocab). */
  static int[] tokenIds(JsonNode v, String name, int vocab, int maxCount) {
    if (!v.isArray()) {
      throw ApiException.badRequest(name, name + " must be an array of token ids, got " + brief(v));
    }
    if (v.size() > maxCount) {
      throw ApiException.badRequest(name, name + " has " + v.size() + " ids, above the limit of " + maxCount);
    }
    int[] ids = new int[v.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode e = v.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToLong() || e.longValue() < 0 || e.longValue() >= vocab) {
        throw ApiException.badRequest(
            name, name + "[" + i + "] = " + brief(e) + " is not a token id (the vocabulary is 0.." + (vocab - 1) + ")");
      }
      ids[i] = e.intValue();
    }
    return ids;
  }

  static String brief(JsonNode v) {
    String s = v.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
