package io.fathom.sandbox;

/**
 * A sandbox refused or could not do something. The subclasses are the closed set of reasons; each
 * message says what and why, in words fit to show to the model that asked.
 */
public sealed class SandboxException extends RuntimeException
    permits PathRefusedException, LimitExceededException, SandboxUnavailableException, SandboxClosedException {

  private static final long serialVersionUID = 1L;

  SandboxException(String message) {
    super(message);
  }

  SandboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
