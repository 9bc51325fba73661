package io.fathom.protocol.tokenizer;

/**
 * A {@code tokenizer.json} file is malformed or uses a feature this implementation does not support.
 *
 * <p>{@link #field()} names the offending JSON field as a path such as {@code model.merges[12]} or
 * {@code added_tokens[3].id}; it is {@code $} for the document as a whole (e.g. a JSON syntax error).
 */
public final class TokenizerFormatException extends RuntimeException {

  private final String field;

  public TokenizerFormatException(String field, String message) {
    this(field, message, null);
  }

  public TokenizerFormatException(String field, String message, Throwable cause) {
    super("tokenizer.json " + field + ": " + message, cause);
    this.field = field;
  }

  /** The JSON path of the offending field, e.g. {@code model.type}. */
  public String field() {
    return field;
  }
}
