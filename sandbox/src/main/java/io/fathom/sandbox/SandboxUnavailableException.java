package io.fathom.sandbox;

/**
 * The machine cannot run sandboxes (a missing binary, library, user or cgroup controller; see
 * {@link SandboxSetup}), or starting one failed.
 */
public final class SandboxUnavailableException extends SandboxException {

  private static final long serialVersionUID = 1L;

  SandboxUnavailableException(String message) {
    super(message);
  }

  SandboxUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
