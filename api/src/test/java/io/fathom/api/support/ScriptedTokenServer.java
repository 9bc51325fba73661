package io.fathom.api.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fathom.orchestrator.context.TestTokenizer;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A model server that takes token prompts, as Fathom's worker and vLLM do: {@code POST
 * /v1/completions} with {@code prompt} as token ids answers {@code choices[0].token_ids}; it
 * serves its {@code tokenizer.json} at {@code /v1/fathom/tokenizer.json}. A script maps the
 * decoded prompt to the output text, which is encoded (the stop token added when the output
 * "stopped"). Every request body is kept, by {@code session_id}.
 */
public final class ScriptedTokenServer implements AutoCloseable {

  /** What the model "generates": text, and "stop" (the stop token follows) or "length". */
  public record Output(String text, String finishReason) {
    public static Output stop(String text) {
      return new Output(text, "stop");
    }
  }

  private final HttpServer server;
  private final JsonMapper json = JsonMapper.builder().build();
  private final String tokenizerJson;
  private final HfTokenizer tokenizer;
  private final int stopId;
  private final Function<int[], Output> script;
  private final Map<String, List<JsonNode>> requests = new ConcurrentHashMap<>();
  private volatile long delayMillis;
  private volatile boolean failing;
  private volatile long tokenMillis;
  private volatile String requiredKey;
  private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

  public ScriptedTokenServer(List<String> words, Function<String, Output> script) throws IOException {
    this(words, script, null, true);
  }

  /**
   * A server whose script reads the prompt ids, not their text (cheap: for benchmarks), and keeps
   * no request bodies.
   */
  public static ScriptedTokenServer ofIds(List<String> words, Function<int[], Output> script) throws IOException {
    return new ScriptedTokenServer(words, null, script, false);
  }

  private final boolean keepRequests;

  private ScriptedTokenServer(List<String> words, Function<String, Output> textScript, Function<int[], Output> idScript, boolean keepRequests)
      throws IOException {
    this.tokenizerJson = TestTokenizer.json(TestTokenizer.Style.METASPACE_FIRST, words);
    this.tokenizer = TestTokenizer.build(words);
    this.stopId = tokenizer.tokenToId("<|im_end|>").orElseThrow();
    this.script = textScript != null ? ids -> textScript.apply(tokenizer.decode(ids, false)) : idScript;
    this.keepRequests = keepRequests;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/models", ex -> Exchanges.json(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"scripted-tokens\",\"object\":\"model\"}]}"))
        .getFilters().add(Exchanges.bearer(() -> requiredKey));
    server.createContext("/v1/fathom/tokenizer.json", ex -> Exchanges.json(ex, 200, tokenizerJson))
        .getFilters().add(Exchanges.bearer(() -> requiredKey));
    server.createContext("/v1/completions", this::complete).getFilters().add(Exchanges.bearer(() -> requiredKey));
    server.start();
  }

  /** While true, every completion answers HTTP 503. */
  public void failing(boolean failing) {
    this.failing = failing;
  }

  /** A streamed completion sends one token per chunk, this far apart. */
  public void tokenDelay(long millis) {
    this.tokenMillis = millis;
  }

  /** Each completion takes this long. */
  public void delay(long millis) {
    this.delayMillis = millis;
  }

  /** How many completions were asked for. */
  public int requestCount() {
    return count.get();
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

  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  /** The request bodies of a job (its session), in order. */
  public List<JsonNode> requests(String session) {
    return List.copyOf(requests.getOrDefault(session, List.of()));
  }

  /** A request's prompt ids. */
  public static int[] prompt(JsonNode request) {
    JsonNode p = request.path("prompt");
    int[] ids = new int[p.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = p.get(i).asInt();
    }
    return ids;
  }

  /** The task: the text of the first user turn. */
  public static String task(String prompt) {
    int start = prompt.indexOf("<|im_start|>user\n") + "<|im_start|>user\n".length();
    return prompt.substring(start, prompt.indexOf("<|im_end|>", start));
  }

  /** How many tool results the prompt holds. */
  public static int toolResults(String prompt) {
    int n = 0;
    for (int i = prompt.indexOf("<tool_response>"); i >= 0; i = prompt.indexOf("<tool_response>", i + 1)) {
      n++;
    }
    return n;
  }

  private void complete(HttpExchange ex) throws IOException {
    JsonNode body = json.readTree(ex.getRequestBody().readAllBytes());
    if (failing) {
      Exchanges.json(ex, 503, "{\"error\":{\"message\":\"overloaded\"}}");
      return;
    }
    count.incrementAndGet();
    if (keepRequests) {
      requests.computeIfAbsent(body.path("session_id").asString(""), k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(body);
    }
    int[] prompt = prompt(body);
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Output out = script.apply(prompt);
    int[] generated = tokenizer.encode(out.text());
    if (body.path("stream").asBoolean(false)) {
      stream(ex, prompt.length, generated, out.finishReason());
      return;
    }
    ObjectNode response = json.createObjectNode();
    response.put("id", "cmpl-1");
    response.put("object", "text_completion");
    ObjectNode choice = response.putArray("choices").addObject();
    choice.put("index", 0);
    choice.put("text", out.text());
    ArrayNode ids = choice.putArray("token_ids");
    for (int id : generated) {
      ids.add(id);
    }
    if (out.finishReason().equals("stop")) {
      ids.add(stopId);
    }
    choice.put("finish_reason", out.finishReason());
    ObjectNode usage = response.putObject("usage");
    usage.put("prompt_tokens", prompt.length);
    usage.put("completion_tokens", ids.size());
    usage.put("total_tokens", prompt.length + ids.size());
    Exchanges.json(ex, 200, response.toString());
  }

  /** One SSE chunk per token, then the finish reason and usage, then {@code [DONE]}. */
  private void stream(HttpExchange ex, int promptTokens, int[] generated, String finishReason) throws IOException {
    int[] ids = finishReason.equals("stop") ? java.util.Arrays.copyOf(generated, generated.length + 1) : generated;
    if (finishReason.equals("stop")) {
      ids[ids.length - 1] = stopId;
    }
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      for (int id : ids) {
        ObjectNode chunk = json.createObjectNode();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", tokenizer.decode(new int[] {id}, true));
        choice.putArray("token_ids").add(id);
        choice.putNull("finish_reason");
        Exchanges.sse(out, chunk);
        if (tokenMillis > 0) {
          try {
            Thread.sleep(tokenMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      ObjectNode last = json.createObjectNode();
      ObjectNode choice = last.putArray("choices").addObject();
      choice.put("index", 0);
      choice.put("text", "");
      choice.putArray("token_ids");
      choice.put("finish_reason", finishReason);
      ObjectNode usage = last.putObject("usage");
      usage.put("prompt_tokens", promptTokens);
      usage.put("completion_tokens", ids.length);
      usage.put("total_tokens", promptTokens + ids.length);
      Exchanges.sse(out, last);
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }



  @Override
  public void close() {
    server.stop(0);
  }
}
