package io.fathom.api.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real OpenAI-compatible HTTP server on loopback whose answers come from a script: given the
 * request, the assistant message to return. Test code only.
 */
public final class ScriptedModelServer implements AutoCloseable {

  private final HttpServer server;
  private final JsonMapper json = JsonMapper.builder().build();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile Function<JsonNode, JsonNode> script;
  private final Function<String, JsonNode> rawScript;
  private volatile int failNext;
  private volatile long delayMillis;
  private volatile long spreadMillis;
  private volatile String requiredKey;

  public ScriptedModelServer(Function<JsonNode, JsonNode> script) throws IOException {
    this(script, null);
  }

  /** A server whose script reads the raw request body (no JSON parsing: cheap, for benchmarks). */
  public static ScriptedModelServer raw(Function<String, JsonNode> script) throws IOException {
    return new ScriptedModelServer(null, script);
  }

  private ScriptedModelServer(Function<JsonNode, JsonNode> script, Function<String, JsonNode> rawScript) throws IOException {
    this.script = script;
    this.rawScript = rawScript;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/models", ex -> Exchanges.json(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"scripted\",\"object\":\"model\"}]}"))
        .getFilters().add(Exchanges.bearer(() -> requiredKey));
    server.createContext("/v1/chat/completions", this::complete).getFilters().add(Exchanges.bearer(() -> requiredKey));
    server.start();
  }

  /**
   * From now on every request needs {@code Authorization: Bearer KEY} (a 401 otherwise, as from Fathom's worker);
   * null lifts the requirement.
   */
  public void requireKey(String key) {
    this.requiredKey = key;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  public void script(Function<JsonNode, JsonNode> script) {
    this.script = script;
  }

  /** The next {@code n} completions answer HTTP 503. */
  public void failNext(int n) {
    this.failNext = n;
  }

  public void delay(long millis) {
    delay(millis, 0);
  }

  /** Each completion waits {@code millis} ± up to {@code spread} ms (uniformly), as real latencies vary. */
  public void delay(long millis, long spread) {
    this.delayMillis = millis;
    this.spreadMillis = Math.min(spread, millis);
  }

  public int requests() {
    return requests.get();
  }

  private void complete(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    byte[] body = ex.getRequestBody().readAllBytes();
    JsonNode request = rawScript == null ? json.readTree(body) : null;
    if (failNext > 0) {
      failNext--;
      Exchanges.json(ex, 503, "{\"error\":{\"message\":\"overloaded\"}}");
      return;
    }
    if (delayMillis > 0) {
      long spread = spreadMillis;
      long wait = delayMillis + (spread > 0 ? java.util.concurrent.ThreadLocalRandom.current().nextLong(-spread, spread + 1) : 0);
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String text = rawScript == null ? null : new String(body, StandardCharsets.UTF_8);
    JsonNode message = rawScript == null ? script.apply(request) : rawScript.apply(text);
    boolean stream = rawScript == null ? request.path("stream").asBoolean(false) : text.contains("\"stream\":true");
    if (stream) {
      stream(ex, message, body.length / 4);
      return;
    }
    ObjectNode response = json.createObjectNode();
    response.put("id", "chatcmpl-" + requests.get());
    response.put("object", "chat.completion");
    response.put("model", "scripted");
    ObjectNode choice = response.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("message", message);
    choice.put("finish_reason", message.has("tool_calls") ? "tool_calls" : "stop");
    ObjectNode usage = response.putObject("usage");
    int prompt = body.length / 4;
    int completion = message.toString().length() / 4;
    usage.put("prompt_tokens", prompt);
    usage.put("completion_tokens", completion);
    usage.put("total_tokens", prompt + completion);
    Exchanges.json(ex, 200, json.writeValueAsString(response));
  }

  /**
   * The message as OpenAI streams it: a role chunk, reasoning and content in pieces, each tool
   * call's name then its arguments in two pieces, the finish reason, usage, {@code [DONE]}.
   */
  private void stream(HttpExchange ex, JsonNode message, int promptTokens) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      chunk(out, d -> d.put("role", "assistant"));
      for (String field : new String[] {"reasoning_content", "content"}) {
        String value = message.path(field).asString("");
        for (int i = 0; i < value.length(); i += 24) {
          String piece = value.substring(i, Math.min(value.length(), i + 24));
          chunk(out, d -> d.put(field, piece));
        }
      }
      JsonNode calls = message.path("tool_calls");
      for (int i = 0; i < calls.size(); i++) {
        JsonNode call = calls.get(i);
        int index = i;
        String args = call.path("function").path("arguments").asString("");
        int half = args.length() / 2;
        chunk(out, d -> {
          ObjectNode c = d.putArray("tool_calls").addObject();
          c.put("index", index);
          c.put("id", call.path("id").asString());
          c.put("type", "function");
          c.putObject("function").put("name", call.path("function").path("name").asString()).put("arguments", args.substring(0, half));
        });
        chunk(out, d -> d.putArray("tool_calls").addObject().put("index", index).putObject("function").put("arguments", args.substring(half)));
      }
      ObjectNode last = json.createObjectNode();
      ObjectNode choice = last.putArray("choices").addObject();
      choice.put("index", 0);
      choice.putObject("delta");
      choice.put("finish_reason", calls.isEmpty() ? "stop" : "tool_calls");
      Exchanges.sse(out, last);
      ObjectNode usage = json.createObjectNode();
      usage.putArray("choices");
      int completion = message.toString().length() / 4;
      usage.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completion).put("total_tokens", promptTokens + completion);
      Exchanges.sse(out, usage);
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  private void chunk(OutputStream out, java.util.function.Consumer<ObjectNode> delta) throws IOException {
    ObjectNode c = json.createObjectNode();
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0);
    delta.accept(choice.putObject("delta"));
    choice.putNull("finish_reason");
    Exchanges.sse(out, c);
  }



  /** A message that calls {@code name} with {@code arguments} (JSON text). */
  public static JsonNode toolCall(String id, String name, String arguments) {
    ObjectNode m = JsonMapper.builder().build().createObjectNode();
    m.put("role", "assistant");
    m.putNull("content");
    ObjectNode call = m.putArray("tool_calls").addObject();
    call.put("id", id);
    call.put("type", "function");
    call.putObject("function").put("name", name).put("arguments", arguments);
    return m;
  }

  /** A final answer. */
  public static JsonNode answer(String content) {
    ObjectNode m = JsonMapper.builder().build().createObjectNode();
    m.put("role", "assistant");
    m.put("content", content);
    return m;
  }

  /** How many tool results the request's conversation holds. */
  public static int toolResults(JsonNode request) {
    int n = 0;
    for (JsonNode m : request.path("messages")) {
      if (m.path("role").asString().equals("tool")) {
        n++;
      }
    }
    return n;
  }

  /** The content of the request's last message. */
  public static String lastContent(JsonNode request) {
    JsonNode messages = request.path("messages");
    return messages.path(messages.size() - 1).path("content").asString("");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
