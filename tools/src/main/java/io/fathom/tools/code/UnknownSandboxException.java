package io.fathom.tools.code;

/** The sandbox does not exist (any more): destroyed, or expired after being idle. */
public final class UnknownSandboxException extends CodeSandboxException {

  private static final long serialVersionUID = 1L;

  public UnknownSandboxException(String id) {
    super("sandbox " + id + " does not exist (destroyed, or expired after being idle)");
  }
}
