package io.fathom.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.model.ModelPresets;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A worker whose KV cache holds 320 tokens: session pins that fill it, concurrency, and disconnects. */
class SmallCacheWorkerTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String KEY = "small-cache-key-0123456789";

  @TempDir static Path dummies;
  private static Worker worker;

  @BeforeAll
  static void start() throws IOException {
    worker = Worker.start(
        WorkerOptions.dummy("tiny", dummies).withKvCacheTokens(320).withSessionTtl(Duration.ofHours(1)).withApiKeys(KEY));
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
  }

  static HttpRequest post(String body) {
    return HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/v1/completions"))
        .header("Authorization", "Bearer " + KEY)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  static String prompt(int length, long seed) {
    return Arrays.toString(new SplittableRandom(seed).ints(length, 3, ModelPresets.TINY.vocabSize() - 8).toArray()).replace(" ", "");
  }

  @Test
  void pinsThatHoldTheCacheAreReleasedForAWaitingRequest() throws Exception {
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = HTTP.send(
          post("{\"prompt\":" + prompt(140, i) + ",\"max_tokens\":4,\"ignore_eos\":true,\"session_id\":\"s" + i + "\"}"),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    assertThat(worker.generator().stats().cache().pinnedSessions()).isEqualTo(2);
    long start = System.nanoTime();
    HttpResponse<String> r = HTTP.send(
        post("{\"prompt\":" + prompt(200, 9) + ",\"max_tokens\":4,\"ignore_eos\":true}"), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(worker.generator().stats().cache().pinnedSessions()).isLessThan(2);
  }

  @Test
  void concurrentRequestsGiveWhatEachGivesAlone() throws Exception {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      bodies.add("{\"prompt\":" + prompt(20 + 7 * i, 100 + i) + ",\"max_tokens\":8,\"temperature\":0,\"ignore_eos\":true,\"return_token_ids\":true}");
    }
    List<String> alone = new ArrayList<>();
    for (String b : bodies) {
      alone.add(tokenIds(HTTP.send(post(b), HttpResponse.BodyHandlers.ofString()).body()));
    }
    List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
    for (String b : bodies) {
      together.add(HTTP.sendAsync(post(b), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < bodies.size(); i++) {
      assertThat(tokenIds(together.get(i).get().body())).isEqualTo(alone.get(i));
    }
  }

  @Test
  void aNonStreamingClientThatDisconnectsCancelsItsRequest() throws Exception {
    String body = "{\"prompt\":" + prompt(10, 55) + ",\"max_tokens\":300,\"ignore_eos\":true}";
    try (Socket socket = new Socket("127.0.0.1", worker.port())) {
      OutputStream out = socket.getOutputStream();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY + "\r\nContent-Length: "
          + bytes.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (worker.generator().stats().running() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      assertThat(worker.generator().stats().running()).isEqualTo(1);
      socket.shutdownOutput();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (worker.generator().stats().running() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(worker.generator().stats().running()).isZero();
    String metrics = HTTP.send(
        HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/metrics")).header("Authorization", "Bearer " + KEY).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("fathom_worker_generations_finished_total{reason=\"abort\"} 1");
  }

  private static String tokenIds(String response) {
    JsonNode r = JSON.readTree(response);
    JsonNode ids = r.path("choices").get(0).path("token_ids");
    assertThat(ids.size()).as(response).isEqualTo(8);
    return ids.toString();
  }

  @SuppressWarnings("unused")
  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
