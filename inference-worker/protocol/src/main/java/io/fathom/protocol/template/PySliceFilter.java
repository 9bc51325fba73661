package io.fathom.protocol.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's extended slice {@code value[start:stop:step]} on a list or a string, which Jinjava's parser does not
 * accept; {@link TemplateSource} rewrites {@code x[::-1]} (and other stepped slices with literal bounds) into
 * {@code (x|__py_slice(start, stop, step))}. Null bounds mean "omitted".
 */
final class PySliceFilter implements AdvancedFilter {

  static final String NAME = "__py_slice";

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    return TemplateCallException.reported(() -> slice(value, args));
  }

  private static Object slice(Object value, Object[] args) {
    if (args.length != 3) {
      throw new IllegalArgumentException(NAME + " takes start, stop and step, got " + args.length + " argument(s)");
    }
    Integer start = bound(args[0]);
    Integer stop = bound(args[1]);
    Integer step = bound(args[2]);
    if (step != null && step == 0) {
      throw new IllegalArgumentException("slice step cannot be zero");
    }
    int by = step == null ? 1 : step;
    if (value instanceof String text) {
      int[] codePoints = text.codePoints().toArray();
      StringBuilder out = new StringBuilder();
      for (int i : indices(codePoints.length, start, stop, by)) {
        out.appendCodePoint(codePoints[i]);
      }
      return out.toString();
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (int i : indices(list.size(), start, stop, by)) {
        out.add(list.get(i));
      }
      return out;
    }
    throw new IllegalArgumentException("cannot slice " + PyStrings.typeName(value) + " with a step");
  }

  /** The indices of {@code range(*slice(start, stop, step).indices(length))}. */
  static List<Integer> indices(int length, Integer start, Integer stop, int step) {
    int lower = step < 0 ? -1 : 0;
    int upper = step < 0 ? length - 1 : length;
    int from = start == null ? (step < 0 ? upper : lower) : clamp(start, length, lower, upper);
    int to = stop == null ? (step < 0 ? lower : upper) : clamp(stop, length, lower, upper);
    List<Integer> out = new ArrayList<>();
    for (int i = from; step > 0 ? i < to : i > to; i += step) {
      out.add(i);
    }
    return out;
  }

  private static int clamp(int index, int length, int lower, int upper) {
    int i = index < 0 ? index + length : index;
    return Math.max(lower, Math.min(upper, i));
  }

  private static Integer bound(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Number n) {
      return (int) n.longValue();
    }
    throw new IllegalArgumentException("slice indices must be integers or None, not " + PyStrings.typeName(value));
  }
}
