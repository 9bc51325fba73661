package io.fathom.sandbox.server;

/**
 * A request the sandbox server refuses, answered as RFC 9457 {@code application/problem+json}:
 * {@code {"type": "about:blank", "title", "status", "detail", "instance"}} plus, when known, the
 * extension members {@code field} (the request field or part at fault, e.g. {@code timeout_s}, {@code
 * env.1X}, {@code path}, {@code body}) and {@code limit} (the limit it went over).
 */
public final class Problem extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String field;
  private final Long limit;

  public Problem(int status, String field, Long limit, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.field = field;
    this.limit = limit;
  }

  /** A 400 about {@code field}. */
  public static Problem badRequest(String field, String detail) {
    return new Problem(400, field, null, detail);
  }

  /** A 400: {@code field} is over {@code limit}. */
  public static Problem overLimit(String field, long limit, String detail) {
    return new Problem(400, field, limit, detail);
  }

  public static Problem notFound(String detail) {
    return new Problem(404, null, null, detail);
  }

  public int status() {
    return status;
  }

  /** The field at fault, or null. */
  public String field() {
    return field;
  }

  /** The limit passed, or null. */
  public Long limit() {
    return limit;
  }

  /** The standard phrase of the status, RFC 9457's {@code title} for {@code about:blank}. */
  public String title() {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }
}
