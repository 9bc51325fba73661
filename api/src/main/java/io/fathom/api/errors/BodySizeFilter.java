package io.fathom.api.errors;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses request bodies over {@link #MAX_BODY_BYTES} by their Content-Length before reading
 * them; chunked bodies are held to the same limit by the codecs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class BodySizeFilter implements WebFilter {

  public static final long MAX_BODY_BYTES = 2L << 20;

  private final Problems problems;

  public BodySizeFilter(Problems problems) {
    this.problems = problems;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    long length = exchange.getRequest().getHeaders().getContentLength();
    if (length > MAX_BODY_BYTES) {
      return problems.write(
          exchange, HttpStatus.CONTENT_TOO_LARGE, "the request body has " + length + " bytes; the limit is " + MAX_BODY_BYTES, null);
    }
    return chain.filter(exchange);
  }
}
