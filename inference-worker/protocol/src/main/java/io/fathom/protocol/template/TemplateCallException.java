package io.fathom.protocol.template;

import java.util.function.Supplier;

/**
 * A method or filter called from a template with arguments it cannot take. Not an
 * {@link IllegalArgumentException}, which Jinjava's resolver swallows (reporting "Cannot find method" instead).
 */
final class TemplateCallException extends RuntimeException {

  TemplateCallException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Runs {@code call}, turning its IllegalArgumentException into a TemplateCallException with the same message. */
  static <T> T reported(Supplier<T> call) {
    try {
      return call.get();
    } catch (IllegalArgumentException e) {
      throw new TemplateCallException(e.getMessage(), e);
    }
  }
}
