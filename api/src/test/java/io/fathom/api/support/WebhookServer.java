package io.fathom.api.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A function webhook on loopback that records every call. Test code only. */
public final class WebhookServer implements AutoCloseable {

  /** One received call. */
  public record Call(String path, String idempotencyKey, String body) {}

  private final HttpServer server;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile Function<Call, String> answer;
  private volatile int status = 200;

  public WebhookServer(Function<Call, String> answer) throws IOException {
    this.answer = answer;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public void status(int status) {
    this.status = status;
  }

  public void answer(Function<Call, String> answer) {
    this.answer = answer;
  }

  private void handle(HttpExchange ex) throws IOException {
    Call call =
        new Call(
            ex.getRequestURI().getPath(),
            ex.getRequestHeaders().getFirst("Idempotency-Key"),
            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    calls.add(call);
    Exchanges.json(ex, status, answer.apply(call));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
