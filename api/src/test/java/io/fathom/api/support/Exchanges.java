package io.fathom.api.support;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Answers for the test servers (JDK {@code HttpServer}): a JSON body, or server-sent event data. */
final class Exchanges {

  private Exchanges() {}

  /** Sends {@code body} as the whole JSON answer. */
  static void json(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * While {@code key} gives a key, answers 401 (with OpenAI's error body and {@code WWW-Authenticate: Bearer}, as
   * Fathom's worker does) any request without {@code Authorization: Bearer KEY}.
   */
  static Filter bearer(Supplier<String> key) {
    return new Filter() {
      @Override
      public void doFilter(HttpExchange ex, Chain chain) throws IOException {
        String required = key.get();
        if (required != null && !("Bearer " + required).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
          json(ex, 401, "{\"error\":{\"message\":\"the API key is not valid\",\"type\":\"invalid_request_error\","
              + "\"param\":null,\"code\":401}}");
          return;
        }
        chain.doFilter(ex);
      }

      @Override
      public String description() {
        return "requires Authorization: Bearer KEY";
      }
    };
  }

  /** Writes one {@code data:} event of a stream and flushes it. */
  static void sse(OutputStream out, Object data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
