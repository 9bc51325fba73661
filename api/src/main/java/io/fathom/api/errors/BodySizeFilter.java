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
 * them; chunked bodies are held to the same limit by the codecs. Document uploads to a corpus
 * ({@code POST /v1/corpora/{name}/documents}) are streamed to disk instead and may be up to {@link
 * #MAX_UPLOAD_BYTES} (the controller enforces it on chunked bodies too).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class BodySizeFilter implements WebFilter {

  public static final long MAX_BODY_BYTES = 2L << 20;

  /** 512 MiB, for corpus uploads. */
  public static final long MAX_UPLOAD_BYTES = 512L << 20;

  private static final java.util.regex.Pattern UPLOAD = java.util.regex.Pattern.compile("/v1/corpora/[^/]+/documents|/v1/repositories/[^/]+");

  private final Problems problems;

  public BodySizeFilter(Problems problems) {
    this.problems = problems;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    long length = exchange.getRequest().getHeaders().getContentLength();
    boolean upload = UPLOAD.matcher(exchange.getRequest().getPath().pathWithinApplication().value()).matches();
    long limit = upload ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES;
    if (length > limit) {
      return problems.write(
          exchange, HttpStatus.CONTENT_TOO_LARGE, "the request body has " + length + " bytes; the limit is " + limit, null);
    }
    return chain.filter(exchange);
  }
}
