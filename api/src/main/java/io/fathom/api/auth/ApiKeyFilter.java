package io.fathom.api.auth;

import io.fathom.api.errors.Problems;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Requires {@code Authorization: Bearer KEY} on every path except health, and records the key's
 * tenant on the exchange for the handlers.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter implements WebFilter {

  /** The exchange attribute holding the caller's tenant. */
  public static final String TENANT = "fathom.tenant";

  private final ApiKeys keys;
  private final Problems problems;

  public ApiKeyFilter(ApiKeys keys, Problems problems) {
    this.keys = keys;
    this.problems = problems;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String path = exchange.getRequest().getPath().pathWithinApplication().value();
    if (path.equals("/health") || path.equals("/actuator/health") || path.startsWith("/actuator/health/")) {
      return chain.filter(exchange);
    }
    String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return unauthorized(exchange, "missing 'Authorization: Bearer <key>' header");
    }
    return keys.tenantOf(header.substring(7).trim())
        .map(tenant -> {
          exchange.getAttributes().put(TENANT, tenant);
          return chain.filter(exchange);
        })
        .orElseGet(() -> unauthorized(exchange, "the API key is not valid"));
  }

  private Mono<Void> unauthorized(ServerWebExchange exchange, String detail) {
    exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    return problems.write(exchange, HttpStatus.UNAUTHORIZED, detail, null);
  }
}
