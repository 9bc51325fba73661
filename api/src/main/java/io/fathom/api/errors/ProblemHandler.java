package io.fathom.api.errors;

import io.fathom.orchestrator.jobs.JobStore;
import io.fathom.orchestrator.tools.UnknownToolsException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns every error into RFC 9457 problem+json. Bad input names the field: unreadable JSON,
 * unknown or mistyped fields, and the service's own checks.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  @ExceptionHandler(ApiException.class)
  Mono<ResponseEntity<ProblemDetail>> api(ApiException e, ServerWebExchange exchange) {
    return respond(e.status(), e.getMessage(), e.fields(), exchange);
  }

  @ExceptionHandler(UnknownToolsException.class)
  Mono<ResponseEntity<ProblemDetail>> unknownTools(UnknownToolsException e, ServerWebExchange exchange) {
    List<FieldProblem> fields = new java.util.ArrayList<>();
    for (int i = 0; i < e.names().size(); i++) {
      fields.add(new FieldProblem("tools[" + e.indexes().get(i) + "]", "unknown tool '" + e.names().get(i) + "'"));
    }
    String detail = String.join("; ", fields.stream().map(f -> f.field() + ": " + f.message()).toList())
        + " (define functions with POST /v1/functions first)";
    return respond(HttpStatus.BAD_REQUEST, detail, fields, exchange);
  }

  @ExceptionHandler(JobStore.InvalidCursorException.class)
  Mono<ResponseEntity<ProblemDetail>> cursor(JobStore.InvalidCursorException e, ServerWebExchange exchange) {
    return respond(HttpStatus.BAD_REQUEST, "cursor: " + e.getMessage(), List.of(new FieldProblem("cursor", e.getMessage())), exchange);
  }

  @ExceptionHandler(Exception.class)
  Mono<ResponseEntity<ProblemDetail>> unexpected(Exception e, ServerWebExchange exchange) {
    log.error("Unexpected error on {}", exchange.getRequest().getPath(), e);
    return respond(HttpStatus.INTERNAL_SERVER_ERROR, "an internal error occurred", List.of(), exchange);
  }

  @Override
  protected Mono<ResponseEntity<Object>> handleServerWebInputException(
      ServerWebInputException ex, HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
    Throwable cause = ex;
    while (cause != null) {
      if (cause instanceof DataBufferLimitException) {
        return body(HttpStatus.CONTENT_TOO_LARGE, "the request body is larger than 2097152 bytes", List.of(), exchange);
      }
      if (cause instanceof JacksonException j) {
        FieldProblem p = describe(j);
        String detail = p.field().isEmpty() ? p.message() : p.field() + ": " + p.message();
        return body(HttpStatus.BAD_REQUEST, detail, p.field().isEmpty() ? List.of() : List.of(p), exchange);
      }
      cause = cause.getCause();
    }
    String reason = ex.getReason() == null ? "the request is malformed" : ex.getReason();
    return body(HttpStatus.BAD_REQUEST, reason, List.of(), exchange);
  }

  private static FieldProblem describe(JacksonException e) {
    String path = path(e);
    return switch (e) {
      case UnrecognizedPropertyException u -> new FieldProblem(path, "unknown field");
      case InvalidFormatException f -> new FieldProblem(path, "has the wrong type or format: expected " + typeName(f.getTargetType()));
      case MismatchedInputException m when m.getTargetType() != null ->
          new FieldProblem(path, "has the wrong type: expected " + typeName(m.getTargetType()));
      case InputCoercionException c when !path.isEmpty() -> new FieldProblem(path, "is out of range");
      case StreamReadException r -> new FieldProblem("", "the body is not valid JSON: " + r.getOriginalMessage());
      default -> new FieldProblem(path, e.getOriginalMessage());
    };
  }

  private static String typeName(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean";
    }
    if (List.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    return "an object";
  }

  /** The JSON path of a Jackson error: {@code sampling.top_p}, {@code tools[1]}. */
  static String path(JacksonException e) {
    StringBuilder b = new StringBuilder();
    for (JacksonException.Reference r : e.getPath()) {
      if (r.getPropertyName() != null) {
        if (!b.isEmpty()) {
          b.append('.');
        }
        b.append(r.getPropertyName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  @Override
  protected Mono<ResponseEntity<Object>> handleExceptionInternal(
      Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
    if (body == null && ex instanceof org.springframework.web.ErrorResponse er) {
      body = er.getBody();
    }
    if (body instanceof ProblemDetail p) {
      if (p.getInstance() == null) {
        p.setInstance(java.net.URI.create(exchange.getRequest().getPath().value()));
      }
      if (p.getDetail() == null || p.getDetail().isBlank()) {
        p.setDetail(
            status.value() == 413
                ? "the request body is larger than " + BodySizeFilter.MAX_BODY_BYTES + " bytes"
                : HttpStatus.valueOf(status.value()).getReasonPhrase());
      }
    }
    return super.handleExceptionInternal(ex, body, headers, status, exchange);
  }

  private static Mono<ResponseEntity<ProblemDetail>> respond(
      HttpStatus status, String detail, List<FieldProblem> fields, ServerWebExchange exchange) {
    return Mono.just(ResponseEntity.status(status).body(Problems.of(status, detail, fields, exchange.getRequest().getPath().value())));
  }

  private static Mono<ResponseEntity<Object>> body(
      HttpStatus status, String detail, List<FieldProblem> fields, ServerWebExchange exchange) {
    return Mono.just(ResponseEntity.status(status).body(Problems.of(status, detail, fields, exchange.getRequest().getPath().value())));
  }
}
