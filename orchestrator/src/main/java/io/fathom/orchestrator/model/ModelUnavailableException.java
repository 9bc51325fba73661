package io.fathom.orchestrator.model;

/** The model servers could not answer a round, after every retry. */
public class ModelUnavailableException extends RuntimeException {
  private final String code;

  public ModelUnavailableException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
