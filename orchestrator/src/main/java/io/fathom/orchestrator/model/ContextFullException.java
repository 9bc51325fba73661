package io.fathom.orchestrator.model;

/**
 * The prompt fills the context — the job's {@code max_context_tokens} or the model server's
 * length: the job ends with {@code context_exhausted} (never retried).
 */
public final class ContextFullException extends RuntimeException {

  public ContextFullException(String message) {
    super(message, null, false, false);
  }
}
