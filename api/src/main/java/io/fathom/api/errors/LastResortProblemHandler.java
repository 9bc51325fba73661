package io.fathom.api.errors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers errors raised outside the controllers (while reading a body, in the framework) as
 * problem+json with a detail, like everything else.
 */
@Component
@Order(-2)
public class LastResortProblemHandler implements WebExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(LastResortProblemHandler.class);

  private final Problems problems;

  public LastResortProblemHandler(Problems problems) {
    this.problems = problems;
  }

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
    if (exchange.getResponse().isCommitted()) {
      return Mono.error(ex);
    }
    HttpStatus status;
    String detail;
    if (hasCause(ex, DataBufferLimitException.class)) {
      status = HttpStatus.CONTENT_TOO_LARGE;
      detail = "the request body is larger than " + BodySizeFilter.MAX_BODY_BYTES + " bytes";
    } else if (ex instanceof ResponseStatusException r) {
      status = HttpStatus.resolve(r.getStatusCode().value());
      if (status == null) {
        status = HttpStatus.BAD_REQUEST;
      }
      detail =
          status == HttpStatus.CONTENT_TOO_LARGE
              ? "the request body is larger than " + BodySizeFilter.MAX_BODY_BYTES + " bytes"
              : r.getReason() != null ? r.getReason() : status.getReasonPhrase();
    } else {
      log.error("Unhandled error on {}", exchange.getRequest().getPath(), ex);
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      detail = "an internal error occurred";
    }
    return problems.write(exchange, status, detail, null);
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
