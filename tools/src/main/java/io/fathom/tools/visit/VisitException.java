package io.fathom.tools.visit;

/**
 * Why a visit failed, as the {@link io.fathom.tools.ToolResult.Failure} the model is shown: a
 * stable {@code code} and a message. Carries no stack trace: it is an answer, not a bug.
 */
final class VisitException extends RuntimeException {

  private final String code;

  VisitException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  String code() {
    return code;
  }
}
