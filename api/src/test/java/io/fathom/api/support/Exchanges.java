package io.fathom.api.support;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

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

  /** Writes one {@code data:} event of a stream and flushes it. */
  static void sse(OutputStream out, Object data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
