package io.fathom.tools.code;

/** A sandbox server refused a request or could not be reached; the message says why. */
public class CodeSandboxException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CodeSandboxException(String message) {
    super(message);
  }

  public CodeSandboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
