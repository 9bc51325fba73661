package io.fathom.sandbox;

/** The sandbox was destroyed (explicitly, by idle expiry, or with its {@link Sandboxes}). */
public final class SandboxClosedException extends SandboxException {

  private static final long serialVersionUID = 1L;

  SandboxClosedException(String id) {
    super("sandbox " + id + " is destroyed");
  }
}
