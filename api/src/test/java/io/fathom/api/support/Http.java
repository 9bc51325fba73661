package io.fathom.api.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small blocking HTTP client for tests, with the caller's API key. */
public final class Http {

  /** A response: status, content type and body. */
  public record Response(int status, String contentType, String body) {
    public JsonNode json() {
      return JSON.readTree(body);
    }
  }

  /** One server-sent event. */
  public record Sse(long id, String event, String data) {
    public JsonNode json() {
      return JSON.readTree(data);
    }
  }

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String key;

  public Http(String base, String key) {
    this.base = base;
    this.key = key;
  }

  public Http as(String otherKey) {
    return new Http(base, otherKey);
  }

  public Response get(String path) {
    return send(request(path).GET().build());
  }

  public Response post(String path, String body) {
    return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** POSTs raw bytes (an upload). */
  public Response postBytes(String path, String contentType, byte[] body) {
    return send(request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  /** PUTs raw bytes (an upload). */
  public Response putBytes(String path, String contentType, byte[] body) {
    return send(request(path).header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  public Response delete(String path) {
    return send(request(path).DELETE().build());
  }

  public Response send(HttpRequest request) {
    try {
      HttpResponse<String> r;
      try {
        r = client.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (java.net.http.HttpTimeoutException e) {
        if (!request.method().equals("GET")) {
          throw e;
        }
        // A keep-alive connection closed under a busy machine can leave the JDK client waiting
        // for an answer that never comes; a GET is safe to send once more, on a new connection.
        System.err.println("Http: " + request.uri() + " timed out; retrying once on a new connection");
        r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.ofString());
      }
      return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  /**
   * Reads an event stream's stored events until the server closes it (or {@code max} events), with
   * optional Last-Event-ID; live {@code model.delta} events are left out.
   */
  public List<Sse> events(String path, String lastEventId, int max) {
    return eventsWithDeltas(path, lastEventId, max).stream().filter(e -> !e.event().equals("model.delta")).toList();
  }

  /** Like {@link #events}, with the live {@code model.delta} events in place. */
  public List<Sse> eventsWithDeltas(String path, String lastEventId, int max) {
    HttpRequest.Builder b = request(path).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    List<Sse> out = new ArrayList<>();
    try {
      HttpResponse<java.io.InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("event stream answered " + r.statusCode());
      }
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        long id = -1;
        String event = null;
        StringBuilder data = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (line.startsWith("id:")) {
            id = Long.parseLong(line.substring(3).trim());
          } else if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5));
          } else if (line.isEmpty() && event != null) {
            out.add(new Sse(id, event, data.toString()));
            if (out.size() >= max) {
              break;
            }
            event = null;
            id = -1; // an event without an id line (model.delta) shows -1
            data.setLength(0);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Polls {@code GET /v1/jobs/{id}} until {@code until} holds, or fails after {@code timeout}. */
  public JsonNode awaitJob(String id, Duration timeout, java.util.function.Predicate<JsonNode> until) {
    java.time.Instant end = java.time.Instant.now().plus(timeout);
    JsonNode job = null;
    while (java.time.Instant.now().isBefore(end)) {
      job = get("/v1/jobs/" + id).json();
      if (until.test(job)) {
        return job;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("job " + id + " did not reach the expected state in " + timeout + "; last: " + job);
  }

  public static JsonNode parse(String text) {
    return JSON.readTree(text);
  }
}
