package io.fathom.protocol.template;

import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;

/** The global functions Hugging Face gives chat templates; Jinjava registers them by their static methods. */
final class TemplateFunctions {

  private TemplateFunctions() {}

  /** {@code raise_exception(message)}: the template rejects its input; the render fails with this message. */
  public static Object raiseException(Object message) {
    throw new TemplateRaisedException(String.valueOf(message));
  }

  /** {@code strftime_now(format)}: the current local time in Python's strftime format. */
  public static String strftimeNow(String format) {
    return StrftimeFormatter.format(ZonedDateTime.now(), format);
  }

  /** Thrown by {@code raise_exception}; the render turns it into a {@link ChatTemplateException}. */
  static final class TemplateRaisedException extends RuntimeException {

    TemplateRaisedException(String message) {
      super(message);
    }
  }
}
