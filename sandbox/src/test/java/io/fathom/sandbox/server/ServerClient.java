package io.fathom.sandbox.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain JDK HTTP client for the sandbox server tests: raw requests, bodies as text or bytes. */
final class ServerClient implements AutoCloseable {

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String key;

  ServerClient(String base, String key) {
    this.base = base;
    this.key = key;
  }

  ServerClient withKey(String other) {
    return new ServerClient(base, other);
  }

  HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
    return http.send(request(method, path, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json), "application/json"), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> sendBytes(String method, String path, byte[] body) throws IOException, InterruptedException {
    return http.send(request(method, path, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(body), "application/octet-stream"), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest request(String method, String path, HttpRequest.BodyPublisher body, String type) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .method(method, body).header("content-type", type);
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    return b.build();
  }

  /** Creates a sandbox ({@code limits} a JSON object or null) and returns its id. */
  String create(String limits) throws IOException, InterruptedException {
    HttpResponse<String> r = send("POST", "/v1/sandboxes", limits);
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create: " + r.statusCode() + " " + r.body());
    }
    return json(r).get("id").asString();
  }

  /** Runs {@code cmd} and returns the result document (fails on an error status). */
  JsonNode exec(String id, String... cmd) throws IOException, InterruptedException {
    var body = JSON.createObjectNode();
    var argv = body.putArray("cmd");
    for (String c : cmd) {
      argv.add(c);
    }
    return execJson(id, body.toString());
  }

  JsonNode execJson(String id, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = send("POST", "/v1/sandboxes/" + id + "/exec", body);
    if (r.statusCode() != 200) {
      throw new IllegalStateException("exec: " + r.statusCode() + " " + r.body());
    }
    JsonNode n = json(r);
    System.out.printf("%s -> exit %d, %d ms, timedOut %s, truncated %s, hit %s%n  stdout: %s%n  stderr: %s%n",
        abbreviate(body), n.get("exit_code").asInt(), n.get("duration_ms").asLong(), n.get("timed_out").asBoolean(),
        n.get("truncated").asBoolean(), n.get("limits_hit"), abbreviate(n.get("stdout").asString()),
        abbreviate(n.get("stderr").asString()));
    return n;
  }

  static JsonNode json(HttpResponse<String> r) {
    return JSON.readTree(r.body());
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    String t = s.replace("\n", "\\n");
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  @Override
  public void close() {
    http.close();
  }
}
