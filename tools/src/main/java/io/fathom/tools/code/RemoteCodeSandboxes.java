package io.fathom.tools.code;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.LimitKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link CodeSandboxes} on a sandbox server ({@code ./fathom sandbox}; {@code FATHOM_SANDBOX_URL},
 * {@code FATHOM_SANDBOX_API_KEY}), over its REST API with the JDK's {@link HttpClient}. Blocking, like
 * the in-process sandboxes: callers run it on a scheduler for blocking work.
 *
 * <p>An execution's timeout is clipped to the sandbox's wall-clock limit (which the server reports at
 * creation), as the in-process sandbox does, and the HTTP request waits that long plus a margin. The
 * server's RFC 9457 problems become {@link CodeSandboxException}s with their {@code detail}; a 404 for
 * the sandbox becomes {@link UnknownSandboxException}, one for a file {@link NoSuchFileException}.
 */
public final class RemoteCodeSandboxes implements CodeSandboxes, AutoCloseable {

  /** How long a request may take beyond the execution's own timeout. */
  static final Duration MARGIN = Duration.ofSeconds(30);

  private final URI base;
  private final String apiKey;
  private final HttpClient http;
  private final JsonMapper mapper = JsonMapper.builder().build();
  private final Map<String, Duration> wallTimeouts = new ConcurrentHashMap<>();

  /**
   * @param baseUrl the server, e.g. {@code http://sandbox-host:8090} (a trailing {@code /} is ignored)
   * @param apiKey its key, sent as {@code Authorization: Bearer KEY}; blank sends none
   */
  public RemoteCodeSandboxes(String baseUrl, String apiKey) {
    String b = baseUrl.strip();
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    this.base = URI.create(b);
    if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
        || base.getHost() == null) {
      throw new IllegalArgumentException("the sandbox server URL must be http(s)://host[:port], got '" + baseUrl + "'");
    }
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    // The sandbox server speaks HTTP/1.1: no h2c upgrade offer on each new connection.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The server's base URL. */
  public URI baseUrl() {
    return base;
  }

  @Override
  public String create() {
    HttpResponse<byte[]> r = call(request("/v1/sandboxes", Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    if (r.statusCode() != 201) {
      throw refusal("create a sandbox", r);
    }
    JsonNode body = json(r);
    String id = body.path("id").asString("");
    if (id.isEmpty()) {
      throw new CodeSandboxException("the sandbox server answered a creation without an id");
    }
    double wall = body.path("limits").path("wall_timeout_s").asDouble(0);
    if (wall > 0) {
      wallTimeouts.put(id, Duration.ofMillis(Math.round(wall * 1000)));
    }
    return id;
  }

  @Override
  public ExecResult exec(String id, ExecRequest request) throws InterruptedException {
    Duration wall = wallTimeouts.get(id);
    Duration timeout = request.timeout();
    if (wall != null && (timeout == null || timeout.compareTo(wall) > 0)) {
      timeout = wall;
    }
    ObjectNode body = mapper.createObjectNode();
    var cmd = body.putArray("cmd");
    request.argv().forEach(cmd::add);
    if (!request.stdin().isEmpty()) {
      body.put("stdin", request.stdin());
    }
    if (timeout != null) {
      body.put("timeout_s", timeout.toMillis() / 1000.0);
    }
    if (!request.env().isEmpty()) {
      ObjectNode env = body.putObject("env");
      request.env().forEach(env::put);
    }
    Duration wait = (timeout == null ? Duration.ofHours(1) : timeout).plus(MARGIN);
    HttpResponse<byte[]> r = send(request(path(id) + "/exec", wait)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body))).build());
    if (r.statusCode() == 404) {
      forget(id);
      throw new UnknownSandboxException(id);
    }
    if (r.statusCode() != 200) {
      throw refusal("run " + request.argv().getFirst(), r);
    }
    JsonNode n = json(r);
    Set<LimitKind> hit = EnumSet.noneOf(LimitKind.class);
    for (JsonNode k : n.path("limits_hit")) {
      for (LimitKind kind : LimitKind.values()) {
        if (kind.name().equals(k.asString(""))) {
          hit.add(kind);
        }
      }
    }
    return new ExecResult(n.path("exit_code").asInt(-1), n.path("stdout").asString(""), n.path("stderr").asString(""),
        n.path("timed_out").asBoolean(false), n.path("duration_ms").asLong(0), n.path("truncated").asBoolean(false), hit);
  }

  @Override
  public void write(String id, String path, byte[] data) throws InterruptedException {
    HttpResponse<byte[]> r = send(request(path(id) + "/files/" + encode(path), Duration.ofMinutes(5))
        .header("content-type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build());
    if (r.statusCode() == 404) {
      forget(id);
      throw new UnknownSandboxException(id);
    }
    if (r.statusCode() != 204 && r.statusCode() != 200) {
      throw refusal("write '" + path + "'", r);
    }
  }

  @Override
  public byte[] read(String id, String path) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = send(request(path(id) + "/files/" + encode(path), Duration.ofMinutes(5)).GET().build());
    if (r.statusCode() == 200) {
      return r.body();
    }
    if (r.statusCode() == 404) {
      if (json(r).path("field").asString("").equals("path")) {
        throw new NoSuchFileException(path);
      }
      forget(id);
      throw new UnknownSandboxException(id);
    }
    throw refusal("read '" + path + "'", r);
  }

  @Override
  public void destroy(String id) {
    forget(id);
    HttpResponse<byte[]> r = call(request(path(id), Duration.ofSeconds(60)).DELETE().build());
    if (r.statusCode() != 204 && r.statusCode() != 404) {
      throw refusal("destroy sandbox " + id, r);
    }
  }

  @Override
  public void close() {
    http.close();
  }

  private void forget(String id) {
    wallTimeouts.remove(id);
  }

  private static String path(String id) {
    return "/v1/sandboxes/" + encode(id);
  }

  private HttpRequest.Builder request(String path, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    if (apiKey != null) {
      b.header("authorization", "Bearer " + apiKey);
    }
    return b;
  }

  private HttpResponse<byte[]> send(HttpRequest request) throws InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new CodeSandboxException("cannot reach the sandbox server at " + base + ": " + e, e);
    }
  }

  /** {@link #send} for the calls that are not interruptible in the interface: an interrupt is kept. */
  private HttpResponse<byte[]> call(HttpRequest request) {
    try {
      return send(request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CodeSandboxException("interrupted while calling the sandbox server", e);
    }
  }

  private JsonNode json(HttpResponse<byte[]> r) {
    try {
      return mapper.readTree(r.body());
    } catch (JacksonException e) {
      throw new CodeSandboxException("the sandbox server answered " + r.statusCode() + " with a body that is not JSON");
    }
  }

  /** The server's problem as an exception: its {@code detail}, or the status. */
  private CodeSandboxException refusal(String what, HttpResponse<byte[]> r) {
    String detail;
    try {
      detail = mapper.readTree(r.body()).path("detail").asString("");
    } catch (JacksonException e) {
      detail = "";
    }
    if (r.statusCode() == 401) {
      detail = "the sandbox server refused the API key (set FATHOM_SANDBOX_API_KEY to its key)";
    }
    return new CodeSandboxException("the sandbox server could not " + what + " (HTTP " + r.statusCode() + ")"
        + (detail.isEmpty() ? "" : ": " + detail));
  }

  /** Percent-encodes a path for a URL, keeping {@code /} and the unreserved characters. */
  static String encode(String path) {
    StringBuilder b = new StringBuilder();
    for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b.toString();
  }
}
