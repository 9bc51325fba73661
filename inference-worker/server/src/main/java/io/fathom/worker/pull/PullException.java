package io.fathom.worker.pull;

/** A pull that cannot go on; the message names the file or repository and what was expected. */
public final class PullException extends Exception {

  public PullException(String message) {
    super(message);
  }

  public PullException(String message, Throwable cause) {
    super(message, cause);
  }
}
