package io.fathom.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.runtime.Engine;
import io.fathom.engine.runtime.EngineConfig;
import io.fathom.engine.runtime.GenerationHandle;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The worker over real HTTP on loopback, serving the tiny dummy model. */
class WorkerServerTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static final int VOCAB = ModelPresets.TINY.vocabSize();
  static final String KEY = "worker-test-key-0123456789";

  @TempDir static Path dummies;
  private static Worker worker;
  private static ScriptedGenerator scripted;
  private static String base;

  @BeforeAll
  static void start() throws IOException {
    worker = Worker.start(WorkerOptions.dummy("tiny", dummies).withApiKeys(KEY), engine -> scripted = new ScriptedGenerator(engine));
    base = worker.baseUrl();
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + KEY);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = send("POST", path, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static JsonNode postError(String path, String body, int status) throws IOException, InterruptedException {
    HttpResponse<String> r = send("POST", path, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode error = JSON.readTree(r.body()).get("error");
    assertThat(error).as(r.body()).isNotNull();
    assertThat(error.get("message").asString()).isNotBlank();
    return error;
  }

  /** The JSON payloads of an SSE response, and whether it ended with [DONE]. */
  static List<JsonNode> events(String body) {
    List<JsonNode> out = new ArrayList<>();
    String[] lines = body.split("\n");
    String last = null;
    for (String line : lines) {
      if (line.isEmpty()) {
        continue;
      }
      assertThat(line).startsWith("data: ");
      last = line.substring(6);
      if (!last.equals("[DONE]")) {
        out.add(JSON.readTree(last));
      }
    }
    assertThat(last).isEqualTo("[DONE]");
    return out;
  }

  static int[] ids(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  static String json(int[] ids) {
    return Arrays.toString(ids).replace(" ", "");
  }

  static int[] randomPrompt(int length, long seed) {
    return new SplittableRandom(seed).ints(length, 3, VOCAB - 8).toArray();
  }

  static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
  }

  /** Greedy decoding of the checkpoint by an engine of its own, without the server. */
  static int[] greedyDirect(int[] prompt, int maxTokens) throws IOException {
    try (Checkpoint checkpoint = Checkpoint.open(worker.model().directory());
        ParallelRunner parallel = new ParallelRunner(1);
        KvCache cache = new KvCache(KvLayout.of(checkpoint.config(), 16), 64)) {
      Engine engine =
          new Engine(new CpuForwardPass(checkpoint.config(), checkpoint.weights(), cache, parallel), cache,
              EngineConfig.defaults(), InstantSource.system());
      GenerationHandle handle = engine.submit(prompt, SamplingParams.greedy().withMaxTokens(maxTokens), null);
      engine.runUntilIdle();
      return handle.tokens();
    }
  }

  static HfTokenizer tokenizer() {
    return worker.model().tokenizer();
  }

  // ---------------------------------------------------------------- tests

  @Test
  void healthModelsAndTokenizerFile() throws Exception {
    HttpResponse<String> health = send("GET", "/health", null);
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode models = JSON.readTree(send("GET", "/v1/models", null).body());
    assertThat(models.path("data").get(0).path("id").asString()).isEqualTo("dummy-tiny");
    assertThat(models.path("data").get(0).path("max_model_len").asInt()).isEqualTo(4096);
    HttpResponse<byte[]> file =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/fathom/tokenizer.json")).header("Authorization", "Bearer " + KEY).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(file.statusCode()).isEqualTo(200);
    HfTokenizer served = HfTokenizer.load(new ByteArrayInputStream(file.body()));
    assertThat(served.vocabSize()).isEqualTo(VOCAB);
    for (String token : List.of("<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "</tool_call>")) {
      assertThat(served.tokenToId(token)).as(token).isPresent();
    }
    assertThat(served.isSpecial(served.tokenToId("<|im_end|>").getAsInt())).isTrue();
    assertThat(served.isSpecial(served.tokenToId("<think>").getAsInt())).isFalse();
  }

  @Test
  void tokenIdPromptsGiveTheEnginesGreedyDecoding() throws Exception {
    int[] prompt = randomPrompt(40, 11);
    JsonNode r =
        post("/v1/completions",
            "{\"model\":\"x\",\"prompt\":" + json(prompt) + ",\"max_tokens\":12,\"temperature\":0,"
                + "\"ignore_eos\":true,\"return_token_ids\":true,\"logprobs\":2,\"return_tokens_as_token_ids\":true,"
                + "\"some_unknown_field\":{\"a\":1}}");
    JsonNode choice = r.path("choices").get(0);
    int[] generated = ids(choice.path("token_ids"));
    assertThat(generated).containsExactly(greedyDirect(prompt, 12));
    assertThat(ids(choice.path("prompt_token_ids"))).containsExactly(prompt);
    assertThat(choice.path("finish_reason").asString()).isEqualTo("length");
    assertThat(choice.path("text").asString())
        .isEqualTo(io.fathom.worker.text.OutputDecoder.decode(tokenizer(), concat(new int[] {prompt[prompt.length - 1]}, generated), true)
            .substring(io.fathom.worker.text.OutputDecoder.decode(tokenizer(), new int[] {prompt[prompt.length - 1]}, true).length()));
    JsonNode logprobs = choice.path("logprobs");
    assertThat(logprobs.path("tokens").size()).isEqualTo(12);
    assertThat(logprobs.path("tokens").get(0).asString()).isEqualTo("token_id:" + generated[0]);
    assertThat(logprobs.path("top_logprobs").get(0).propertyNames()).hasSize(2).allMatch(k -> k.startsWith("token_id:"));
    assertThat(logprobs.path("top_logprobs").get(0).has("token_id:" + generated[0])).as("greedy picks the top token").isTrue();
    JsonNode usage = r.path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(40);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(12);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(52);
    assertThat(usage.path("prompt_tokens_details").has("cached_tokens")).isTrue();
  }

  @Test
  void aSessionsNextRequestFindsItsPrefixCached() throws Exception {
    int[] prompt = randomPrompt(37, 22);
    JsonNode first =
        post("/v1/completions",
            "{\"prompt\":" + json(prompt) + ",\"max_tokens\":10,\"temperature\":0,\"ignore_eos\":true,"
                + "\"return_token_ids\":true,\"session_id\":\"job-1\"}");
    int[] output = ids(first.path("choices").get(0).path("token_ids"));
    assertThat(output).hasSize(10);
    assertThat(first.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
    int[] next = concat(prompt, output, randomPrompt(20, 23));
    JsonNode second =
        post("/v1/completions",
            "{\"prompt\":" + json(next) + ",\"max_tokens\":5,\"temperature\":0,\"ignore_eos\":true,"
                + "\"return_token_ids\":true,\"session_id\":\"job-1\"}");
    int shared = prompt.length + output.length;
    int cached = second.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
    assertThat(cached).as("at least the shared full blocks").isGreaterThanOrEqualTo(shared / 16 * 16);
    assertThat(cached).isLessThan(next.length);
    assertThat(ids(second.path("choices").get(0).path("token_ids"))).containsExactly(greedyDirect(next, 5));
    assertThat(send("DELETE", "/v1/fathom/sessions/job-1", null).statusCode()).isEqualTo(200);
  }

  @Test
  void streamingCompletionChunks() throws Exception {
    int[] prompt = randomPrompt(20, 33);
    HttpResponse<String> r =
        send("POST", "/v1/completions",
            "{\"prompt\":" + json(prompt) + ",\"max_tokens\":6,\"temperature\":0,\"ignore_eos\":true,\"stream\":true,"
                + "\"return_token_ids\":true,\"logprobs\":1,\"stream_options\":{\"include_usage\":true}}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    List<JsonNode> chunks = events(r.body());
    assertThat(chunks).hasSize(6 + 2);
    String id = chunks.getFirst().path("id").asString();
    List<Integer> streamed = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      JsonNode c = chunks.get(i);
      assertThat(c.path("id").asString()).isEqualTo(id).startsWith("cmpl-");
      assertThat(c.path("object").asString()).isEqualTo("text_completion");
      assertThat(c.path("model").asString()).isEqualTo("dummy-tiny");
      JsonNode choice = c.path("choices").get(0);
      assertThat(choice.path("index").asInt()).isZero();
      assertThat(choice.path("finish_reason").isNull()).isTrue();
      assertThat(choice.path("token_ids").size()).isEqualTo(1);
      assertThat(choice.path("logprobs").path("token_logprobs").size()).isEqualTo(1);
      streamed.add(choice.path("token_ids").get(0).asInt());
      text.append(choice.path("text").asString());
    }
    JsonNode last = chunks.get(6).path("choices").get(0);
    assertThat(last.path("finish_reason").asString()).isEqualTo("length");
    text.append(last.path("text").asString());
    JsonNode usage = chunks.get(7);
    assertThat(usage.path("choices").size()).isZero();
    assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
    assertThat(streamed.stream().mapToInt(Integer::intValue).toArray()).containsExactly(greedyDirect(prompt, 6));
    JsonNode whole =
        post("/v1/completions",
            "{\"prompt\":" + json(prompt) + ",\"max_tokens\":6,\"temperature\":0,\"ignore_eos\":true}");
    assertThat(text.toString()).isEqualTo(whole.path("choices").get(0).path("text").asString());
  }

  @Test
  void textPromptEchoAndStopStrings() throws Exception {
    JsonNode r = post("/v1/completions", "{\"prompt\":\"hello world\",\"max_tokens\":3,\"echo\":true,\"seed\":7,\"temperature\":0.8,\"top_p\":0.9,\"top_k\":50,\"min_p\":0.01,\"repetition_penalty\":1.1}");
    assertThat(r.path("choices").get(0).path("text").asString()).startsWith("hello world");
    assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(tokenizer().encode("hello world").length);
    JsonNode again = post("/v1/completions", "{\"prompt\":\"hello world\",\"max_tokens\":3,\"echo\":true,\"seed\":7,\"temperature\":0.8,\"top_p\":0.9,\"top_k\":50,\"min_p\":0.01,\"repetition_penalty\":1.1}");
    assertThat(again.path("choices").get(0).path("text").asString()).as("seeded").isEqualTo(r.path("choices").get(0).path("text").asString());

    int[] script = tokenizer().encode("the answer is 42. STOP and more text");
    scripted.script(script);
    JsonNode stopped = post("/v1/completions", "{\"prompt\":\"question\",\"max_tokens\":100,\"stop\":[\"STOP\",\"never\"],\"return_token_ids\":true}");
    JsonNode choice = stopped.path("choices").get(0);
    assertThat(choice.path("text").asString()).isEqualTo(" the answer is 42. ");
    assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(choice.path("stop_reason").asString()).isEqualTo("STOP");
    assertThat(choice.path("token_ids").size()).isLessThan(script.length);
  }

  @Test
  void aRequestedStopTokenIsTheStopReasonOnBothEndpointsAndTheEndOfTurnIsNot() throws Exception {
    int think = tokenizer().tokenToId("<think>").getAsInt();
    int imEnd = tokenizer().tokenToId("<|im_end|>").getAsInt();
    int[] words = tokenizer().encode("one two");
    int[] byStopId = java.util.stream.IntStream.concat(java.util.Arrays.stream(words), java.util.stream.IntStream.of(think, words[0]))
        .toArray();
    scripted.script(byStopId);
    JsonNode completion = post("/v1/completions", "{\"prompt\":\"q\",\"max_tokens\":50,\"stop_token_ids\":[" + think + "]}")
        .path("choices").get(0);
    assertThat(completion.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(completion.path("stop_reason").asInt()).isEqualTo(think);
    assertThat(completion.path("text").asString()).doesNotContain("<think>").endsWith("two");
    scripted.script(byStopId);
    JsonNode chat = post("/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"max_tokens\":50,\"stop_token_ids\":[" + think + "]}")
        .path("choices").get(0);
    assertThat(chat.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(chat.path("stop_reason").asInt()).isEqualTo(think);
    scripted.script(java.util.stream.IntStream.concat(java.util.Arrays.stream(words), java.util.stream.IntStream.of(imEnd)).toArray());
    JsonNode ended = post("/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"max_tokens\":50,\"stop_token_ids\":[" + think + "]}")
        .path("choices").get(0);
    assertThat(ended.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(ended.path("stop_reason").isNull()).as("the end of turn is no requested stop").isTrue();
    assertThat(ended.path("message").path("content").asString()).isEqualTo("one two");
  }

  @Test
  void chatCompletionWithToolsReturnsParsedToolCalls() throws Exception {
    int imEnd = tokenizer().tokenToId("<|im_end|>").getAsInt();
    String output = "<think>\nthe user wants the weather\n</think>\n\nLet me check.\n<tool_call>\n"
        + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    int[] script = concat(tokenizer().encode(output), new int[] {imEnd, 5, 6});
    String request =
        "{\"model\":\"dummy-tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"You are helpful.\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"weather in Paris?\"}]}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],"
            + "\"return_token_ids\":true,\"max_tokens\":200";
    scripted.script(script);
    JsonNode r = post("/v1/chat/completions", request + "}");
    assertThat(r.path("object").asString()).isEqualTo("chat.completion");
    JsonNode choice = r.path("choices").get(0);
    assertThat(choice.path("finish_reason").asString()).isEqualTo("tool_calls");
    JsonNode message = choice.path("message");
    assertThat(message.path("role").asString()).isEqualTo("assistant");
    assertThat(message.path("reasoning_content").asString()).isEqualTo("the user wants the weather");
    assertThat(message.path("content").asString()).isEqualTo("Let me check.");
    JsonNode call = message.path("tool_calls").get(0);
    assertThat(call.path("type").asString()).isEqualTo("function");
    assertThat(call.path("id").asString()).startsWith("call_");
    assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asString()))
        .isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
    assertThat(ids(choice.path("token_ids"))).containsExactly(Arrays.copyOf(script, script.length - 2));
    int[] prompt = ids(r.path("prompt_token_ids"));
    assertThat(tokenizer().decode(prompt, false))
        .contains("<tools>", "get_weather", "<|im_start|>user\nweather in Paris?<|im_end|>")
        .endsWith("<|im_start|>assistant\n");
    assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(prompt.length);

    scripted.script(script);
    HttpResponse<String> s = send("POST", "/v1/chat/completions", request + ",\"stream\":true}");
    List<JsonNode> chunks = events(s.body());
    assertThat(chunks.getFirst().path("choices").get(0).path("delta").path("role").asString()).isEqualTo("assistant");
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    List<JsonNode> calls = new ArrayList<>();
    String finish = null;
    for (JsonNode c : chunks) {
      assertThat(c.path("object").asString()).isEqualTo("chat.completion.chunk");
      JsonNode ch = c.path("choices").get(0);
      JsonNode delta = ch.path("delta");
      reasoning.append(delta.path("reasoning_content").asString(""));
      content.append(delta.path("content").asString(""));
      delta.path("tool_calls").forEach(calls::add);
      if (!ch.path("finish_reason").isNull() && !ch.path("finish_reason").isMissingNode()) {
        finish = ch.path("finish_reason").asString();
      }
    }
    assertThat(reasoning.toString()).isEqualTo("the user wants the weather");
    assertThat(content.toString().strip()).isEqualTo("Let me check.");
    assertThat(calls).hasSize(1);
    assertThat(calls.getFirst().path("index").asInt()).isZero();
    assertThat(calls.getFirst().path("function").path("name").asString()).isEqualTo("get_weather");
    assertThat(finish).isEqualTo("tool_calls");
  }

  @Test
  void chatReportsMalformedToolCalls() throws Exception {
    int imEnd = tokenizer().tokenToId("<|im_end|>").getAsInt();
    scripted.script(concat(tokenizer().encode("<think>\nhm\n</think>\n\n<tool_call>get_weather</tool_call>"), new int[] {imEnd}));
    JsonNode r = post("/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]}");
    JsonNode choice = r.path("choices").get(0);
    assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(choice.path("message").path("tool_calls").size()).isZero();
    assertThat(choice.path("fathom_parse_errors").get(0).path("kind").asString()).isEqualTo("bare_tool_call");
  }

  @Test
  void chatWithTheRealEngineStreamsAndFinishes() throws Exception {
    JsonNode r = post("/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"max_tokens\":5,\"temperature\":0,\"logprobs\":true,\"top_logprobs\":2}");
    JsonNode choice = r.path("choices").get(0);
    assertThat(choice.path("finish_reason").asString()).isIn("length", "stop");
    assertThat(choice.path("logprobs").path("content").size()).isEqualTo(r.path("usage").path("completion_tokens").asInt());
    assertThat(choice.path("logprobs").path("content").get(0).path("top_logprobs").size()).isEqualTo(2);
  }

  @Test
  void tokenizeDetokenizeRoundTrip() throws Exception {
    String text = "hello world\nthe weather in Paris: 21°C — 東京 <think>";
    JsonNode t = post("/tokenize", "{\"prompt\":" + JSON.writeValueAsString(text) + "}");
    int[] tokens = ids(t.path("tokens"));
    assertThat(t.path("count").asInt()).isEqualTo(tokens.length);
    assertThat(tokens).containsExactly(tokenizer().encode(text));
    JsonNode d = post("/detokenize", "{\"tokens\":" + json(tokens) + "}");
    assertThat(d.path("prompt").asString()).isEqualTo(text);
    JsonNode chat = post("/tokenize", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(tokenizer().decode(ids(chat.path("tokens")), false)).endsWith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void badInputIsAClear400NamingTheField() throws Exception {
    assertThat(postError("/v1/completions", "{\"prompt\":[1,2],\"max_tokens\":-1}", 400).path("param").asString()).isEqualTo("max_tokens");
    assertThat(postError("/v1/completions", "{\"prompt\":[1,2],\"max_tokens\":0}", 400).path("param").asString()).isEqualTo("max_tokens");
    JsonNode vocab = postError("/v1/completions", "{\"prompt\":[1,2," + VOCAB + "]}", 400);
    assertThat(vocab.path("param").asString()).isEqualTo("prompt");
    assertThat(vocab.path("message").asString()).contains("prompt[2]");
    assertThat(postError("/v1/completions", "{\"prompt\":[1,-2]}", 400).path("param").asString()).isEqualTo("prompt");
    assertThat(postError("/v1/completions", "{\"prompt\":[1,\"a\"]}", 400).path("param").asString()).isEqualTo("prompt");
    assertThat(postError("/v1/completions", "{\"prompt\":[]}", 400).path("param").asString()).isEqualTo("prompt");
    assertThat(postError("/v1/completions", "{\"max_tokens\":3}", 400).path("param").asString()).isEqualTo("prompt");
    JsonNode tooLong = postError("/v1/completions", "{\"prompt\":" + json(randomPrompt(4096, 5)) + "}", 400);
    assertThat(tooLong.path("param").asString()).isEqualTo("prompt");
    assertThat(tooLong.path("message").asString()).contains("4096");
    assertThat(postError("/v1/completions", "{\"prompt\":" + json(randomPrompt(4000, 5)) + ",\"max_tokens\":100}", 400)
        .path("param").asString()).isEqualTo("max_tokens");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"temperature\":\"hot\"}", 400).path("param").asString()).isEqualTo("temperature");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"temperature\":-1}", 400).path("param").asString()).isEqualTo("temperature");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"top_p\":0}", 400).path("param").asString()).isEqualTo("top_p");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"logprobs\":21}", 400).path("param").asString()).isEqualTo("logprobs");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"n\":2}", 400).path("param").asString()).isEqualTo("n");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"stop\":5}", 400).path("param").asString()).isEqualTo("stop");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"stop_token_ids\":[99999]}", 400).path("param").asString()).isEqualTo("stop_token_ids");
    assertThat(postError("/v1/completions", "{\"prompt\":[1],\"session_id\":7}", 400).path("param").asString()).isEqualTo("session_id");
    assertThat(postError("/v1/completions", "{\"prompt\":[1,2", 400).path("message").asString()).contains("not valid JSON");
    assertThat(postError("/v1/completions", "[1,2]", 400).path("message").asString()).contains("JSON object");
    assertThat(postError("/v1/chat/completions", "{\"model\":\"m\"}", 400).path("param").asString()).isEqualTo("messages");
    assertThat(postError("/v1/chat/completions", "{\"messages\":[{\"content\":\"x\"}]}", 400).path("param").asString()).isEqualTo("messages[0].role");
    assertThat(postError("/v1/chat/completions", "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", 400).path("param").asString()).isEqualTo("messages");
    assertThat(postError("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}", 400)
        .path("param").asString()).isEqualTo("tools[0].function");
    assertThat(postError("/detokenize", "{\"tokens\":[1,2,100000]}", 400).path("param").asString()).isEqualTo("tokens");
    assertThat(postError("/v1/nothing", "{}", 404).path("type").asString()).isEqualTo("not_found_error");
    assertThat(send("GET", "/v1/completions", null).statusCode()).isEqualTo(405);
    // Unknown fields are tolerated.
    assertThat(post("/v1/completions", "{\"prompt\":[1,2],\"max_tokens\":1,\"frobnicate\":true,\"skip_special_tokens\":false}")
        .path("choices").get(0).path("finish_reason").asString()).isIn("length", "stop");
  }

  @Test
  void aClientThatDisconnectsCancelsItsRequest() throws Exception {
    String body = "{\"prompt\":" + json(randomPrompt(10, 44)) + ",\"max_tokens\":4000,\"ignore_eos\":true,\"stream\":true}";
    double abortedBefore = metric("fathom_worker_generations_finished_total{reason=\"abort\"}");
    try (Socket socket = new Socket("127.0.0.1", worker.port())) {
      OutputStream out = socket.getOutputStream();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
          + "\r\nContent-Type: application/json\r\nContent-Length: "
          + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      int read = in.read(buffer);
      assertThat(new String(buffer, 0, read, StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (metric("fathom_worker_generations_finished_total{reason=\"abort\"}") <= abortedBefore && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(metric("fathom_worker_generations_finished_total{reason=\"abort\"}")).isGreaterThan(abortedBefore);
    assertThat(worker.generator().stats().running()).isZero();
  }

  @Test
  void metricsExposeTheNamedSeries() throws Exception {
    post("/v1/completions", "{\"prompt\":[5,6,7],\"max_tokens\":3}");
    HttpResponse<String> r = send("GET", "/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    assertThat(r.body())
        .contains(
            "# TYPE fathom_worker_time_to_first_token_seconds histogram",
            "fathom_worker_time_to_first_token_seconds_bucket{le=\"+Inf\"}",
            "fathom_worker_inter_token_latency_seconds_count",
            "fathom_worker_generation_tokens_per_second",
            "fathom_worker_generated_tokens_total",
            "fathom_worker_kv_blocks_used",
            "fathom_worker_kv_blocks_total",
            "fathom_worker_prefix_cache_hit_rate",
            "fathom_worker_queue_depth",
            "fathom_worker_requests_total{endpoint=\"completions\"}");
    assertThat(metric("fathom_worker_generated_tokens_total")).isGreaterThanOrEqualTo(3);
    assertThat(metric("fathom_worker_time_to_first_token_seconds_count")).isGreaterThanOrEqualTo(1);
  }

  static double metric(String series) throws IOException, InterruptedException {
    for (String line : send("GET", "/metrics", null).body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    return 0;
  }
}
