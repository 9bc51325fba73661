package io.fathom.orchestrator.run;

/** A job's budget ran out: it ends with {@code code} (e.g. {@code context_exhausted}) and the message. */
final class BudgetExhausted extends RuntimeException {

  private final String code;

  BudgetExhausted(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  String code() {
    return code;
  }
}
