package io.fathom.protocol.template;

import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import java.util.Optional;

/**
 * Jinjava's expression resolver plus the Python string methods of {@link PyStringMethods}: a call such as
 * {@code content.startswith('<tool_response>')} on a string is answered here; everything else goes to the
 * delegate unchanged.
 */
final class PythonMethodResolver extends CompositeELResolver {

  PythonMethodResolver(ELResolver delegate) {
    add(delegate);
  }

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (base instanceof String text && method != null) {
      Optional<Object> result = TemplateCallException.reported(() -> PyStringMethods.call(text, method.toString(), params));
      if (result.isPresent()) {
        context.setPropertyResolved(true);
        return result.get();
      }
    }
    return super.invoke(context, base, method, paramTypes, params);
  }
}
