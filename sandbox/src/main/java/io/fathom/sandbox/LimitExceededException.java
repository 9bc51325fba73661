package io.fathom.sandbox;

/** A request went over a limit; {@link #limit()} names it (a {@link Limits} component or a fixed cap). */
public final class LimitExceededException extends SandboxException {

  private static final long serialVersionUID = 1L;

  private final String limit;
  private final long max;

  LimitExceededException(String limit, long max, String message) {
    super(message);
    this.limit = limit;
    this.max = max;
  }

  /** The name of the limit, e.g. {@code fileSizeBytes}. */
  public String limit() {
    return limit;
  }

  /** The limit's value. */
  public long max() {
    return max;
  }
}
