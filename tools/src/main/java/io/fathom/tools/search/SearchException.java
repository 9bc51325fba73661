package io.fathom.tools.search;

/**
 * Why a corpus operation or a search failed: a stable {@code code} (e.g. {@code not_found}, {@code
 * invalid_name}, {@code http_status}) and a message fit to show the model. Carries no stack trace:
 * it is an answer, not a bug.
 */
public final class SearchException extends RuntimeException {

  private final String code;

  public SearchException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** The stable, machine-readable reason. */
  public String code() {
    return code;
  }
}
