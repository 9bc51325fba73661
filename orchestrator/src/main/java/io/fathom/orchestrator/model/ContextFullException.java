package io.fathom.orchestrator.model;

/** The prompt fills the model server's context: the job cannot go on there (not retried). */
public final class ContextFullException extends RuntimeException {

  public ContextFullException(String message) {
    super(message, null, false, false);
  }
}
