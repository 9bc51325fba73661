package io.fathom.api.errors;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Builds RFC 9457 problem details, and writes them where no handler runs (filters). */
@Component
public class Problems {

  private final JsonMapper json;

  public Problems(JsonMapper json) {
    this.json = json;
  }

  public static ProblemDetail of(HttpStatus status, String detail, List<FieldProblem> fields, String path) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    if (path != null) {
      p.setInstance(URI.create(path));
    }
    if (fields != null && !fields.isEmpty()) {
      p.setProperty("errors", fields);
    }
    return p;
  }

  /** Writes a problem response directly (for filters, before any handler). */
  public Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String detail, List<FieldProblem> fields) {
    ProblemDetail p = of(status, detail, fields, exchange.getRequest().getPath().value());
    exchange.getResponse().setStatusCode(status);
    exchange.getResponse().getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    byte[] bytes = json.writeValueAsString(p).getBytes(StandardCharsets.UTF_8);
    DataBuffer buffer = exchange.getResponse().bufferFactory().wrap(bytes);
    return exchange.getResponse().writeWith(Mono.just(buffer));
  }
}
