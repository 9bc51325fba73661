package io.fathom.worker.http;

/**
 * A request the worker refuses, answered with OpenAI's error body:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * @see #status()
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String param;

  public ApiException(int status, String param, String message) {
    super(message, null, false, false);
    this.status = status;
    this.param = param;
  }

  /** A 400 about {@code param} (a field path such as {@code messages[2].content}, or null). */
  public static ApiException badRequest(String param, String message) {
    return new ApiException(400, param, message);
  }

  public int status() {
    return status;
  }

  /** The field at fault, or null. */
  public String param() {
    return param;
  }

  /** OpenAI's error type for the status. */
  public String type() {
    return switch (status) {
      case 400, 413, 422 -> "invalid_request_error";
      case 404 -> "not_found_error";
      case 405 -> "invalid_request_error";
      case 503 -> "service_unavailable_error";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }
}
