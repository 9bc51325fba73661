package io.fathom.api.errors;

import java.util.List;
import org.springframework.http.HttpStatus;

/** An error answered as problem+json with {@code status}, {@code detail} and bad fields. */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final List<FieldProblem> fields;

  public ApiException(HttpStatus status, String detail, List<FieldProblem> fields) {
    super(detail, null, false, false);
    this.status = status;
    this.fields = List.copyOf(fields);
  }

  public ApiException(HttpStatus status, String detail) {
    this(status, detail, List.of());
  }

  /** A 400 naming bad fields; the detail lists them. */
  public static ApiException badRequest(List<FieldProblem> fields) {
    String detail =
        String.join("; ", fields.stream().map(f -> f.field() + ": " + f.message()).toList());
    return new ApiException(HttpStatus.BAD_REQUEST, detail, fields);
  }

  public static ApiException badRequest(String field, String message) {
    return badRequest(List.of(new FieldProblem(field, message)));
  }

  public static ApiException notFound(String what) {
    return new ApiException(HttpStatus.NOT_FOUND, what + " not found");
  }

  public HttpStatus status() {
    return status;
  }

  public List<FieldProblem> fields() {
    return fields;
  }
}
