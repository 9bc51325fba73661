package io.fathom.api.auth;

import org.springframework.web.server.ServerWebExchange;

/** Reads the caller's tenant set by {@link ApiKeyFilter}. */
public final class Tenant {
  private Tenant() {}

  public static String of(ServerWebExchange exchange) {
    String tenant = exchange.getAttribute(ApiKeyFilter.TENANT);
    if (tenant == null) {
      throw new IllegalStateException("no tenant on an authenticated path");
    }
    return tenant;
  }
}
