package io.fathom.protocol.template;

/**
 * A chat template that cannot be used: a tokenizer config without a usable {@code chat_template}, a template
 * that does not parse, or a render that failed (including the template's own {@code raise_exception}). The
 * message says what is wrong and where.
 */
public class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }

  public ChatTemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
