package io.fathom.protocol.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.objects.SafeString;
import java.util.List;
import java.util.Map;

/**
 * {@code tojson} as Hugging Face defines it for chat templates: {@code json.dumps(value, ensure_ascii=False,
 * indent=indent, separators=separators, sort_keys=sort_keys)}. Replaces Jinjava's own, which writes compact
 * Jackson JSON. Arguments: {@code indent} (first positional or keyword), {@code separators}, {@code sort_keys},
 * {@code ensure_ascii}.
 */
final class PyToJsonFilter implements AdvancedFilter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    return TemplateCallException.reported(() -> dumps(value, args, kwargs));
  }

  private static String dumps(Object value, Object[] args, Map<String, Object> kwargs) {
    Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
    Object separators = kwargs.get("separators");
    if (separators != null && !(separators instanceof List<?>)) {
      throw new IllegalArgumentException("tojson separators must be a pair of strings, not "
          + PyStrings.typeName(separators));
    }
    PyJson json =
        PyJson.of(indent, (List<?>) separators, truthy(kwargs.get("sort_keys")), truthy(kwargs.get("ensure_ascii")));
    return json.dumps(value instanceof SafeString safe ? safe.getValue() : value);
  }

  private static boolean truthy(Object flag) {
    return flag instanceof Boolean b ? b : flag != null;
  }
}
