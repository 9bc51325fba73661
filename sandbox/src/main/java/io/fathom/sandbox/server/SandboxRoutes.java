package io.fathom.sandbox.server;

import io.fathom.common.auth.BearerKeys;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.LimitExceededException;
import io.fathom.sandbox.LimitKind;
import io.fathom.sandbox.Limits;
import io.fathom.sandbox.PathRefusedException;
import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.SandboxClosedException;
import io.fathom.sandbox.SandboxUnavailableException;
import io.fathom.sandbox.Sandboxes;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox server's HTTP API, on Reactor Netty:
 *
 * <ul>
 *   <li>{@code POST /v1/sandboxes} — optional JSON body of limits ({@link SandboxRequests}) → 201
 *       {@code {"id", "limits"}}; 429 past {@link SandboxServerOptions#maxSandboxes()}.
 *   <li>{@code POST /v1/sandboxes/{id}/exec} — {@code {"cmd", "stdin"?, "timeout_s"?, "env"?}} → 200
 *       {@code {"exit_code", "stdout", "stderr", "timed_out", "duration_ms", "truncated", "limits_hit"}}.
 *   <li>{@code PUT /v1/sandboxes/{id}/files/{path}} — the raw body becomes the file (at most the
 *       sandbox's {@link Limits#fileSizeBytes()}, else 413) → 204; {@code GET} the same → the raw bytes,
 *       404 when missing. The path is percent-decoded and checked by the sandbox's file API (no absolute
 *       path, no {@code ..}, no symbolic link out of the workspace: 400).
 *   <li>{@code DELETE /v1/sandboxes/{id}} → 204.
 *   <li>{@code GET /health} → {@code {"status": "UP", "sandboxes", "max_sandboxes"}}, without a key.
 * </ul>
 *
 * <p>Every other route needs {@code Authorization: Bearer KEY} ({@link BearerKeys}; 401 with {@code
 * WWW-Authenticate: Bearer}). Errors are RFC 9457 problem documents ({@link Problem}). Sandbox work
 * runs on {@link BlockingWork}, never on the event loop; request bodies are read with a cap.
 */
final class SandboxRoutes {

  private static final Logger log = LoggerFactory.getLogger(SandboxRoutes.class);
  private static final String JSON = "application/json";
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String PREFIX = "/v1/sandboxes";
  private static final Pattern ID = Pattern.compile("[0-9a-f]{24}");
  /** The largest JSON body: an exec request's 8 MiB of stdin, escaped, plus its arguments. */
  static final long MAX_JSON_BYTES = 32L << 20;

  private final Sandboxes sandboxes;
  private final BearerKeys keys;
  private final BlockingWork work;
  private final SandboxServerOptions options;
  private final JsonMapper mapper = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private final Object creation = new Object();

  SandboxRoutes(Sandboxes sandboxes, BearerKeys keys, BlockingWork work, SandboxServerOptions options) {
    this.sandboxes = sandboxes;
    this.keys = keys;
    this.work = work;
    this.options = options;
  }

  Publisher<Void> dispatch(HttpServerRequest req, HttpServerResponse res) {
    String path = rawPath(req.uri());
    HttpMethod method = req.method();
    try {
      if (path.equals("/health")) {
        allow(method, HttpMethod.GET, HttpMethod.HEAD);
        return health(res);
      }
      BearerKeys.Verdict verdict = keys.verify(req.requestHeaders().get("authorization"));
      if (verdict != BearerKeys.Verdict.ACCEPTED) {
        boolean missing = verdict == BearerKeys.Verdict.MISSING;
        res.header("www-authenticate", missing ? "Bearer" : "Bearer error=\"invalid_token\"");
        throw new Problem(401, "authorization", null, missing
            ? "missing API key: send the sandbox server's key as 'Authorization: Bearer <key>'"
            : "the API key is not valid");
      }
      if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
        allow(method, HttpMethod.POST);
        return create(req, res, path);
      }
      if (path.startsWith(PREFIX + "/")) {
        String rest = path.substring(PREFIX.length() + 1);
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String tail = slash < 0 ? "" : rest.substring(slash);
        if (tail.isEmpty()) {
          allow(method, HttpMethod.DELETE);
          return delete(res, id, path);
        }
        if (tail.equals("/exec")) {
          allow(method, HttpMethod.POST);
          return exec(req, res, id, path);
        }
        if (tail.startsWith("/files/")) {
          allow(method, HttpMethod.GET, HttpMethod.PUT);
          String file = percentDecode(tail.substring("/files/".length()));
          return method.equals(HttpMethod.PUT) ? writeFile(req, res, id, file, path) : readFile(res, id, file, path);
        }
      }
      throw Problem.notFound("no route for " + method + " " + path);
    } catch (RuntimeException e) {
      return problem(res, e, path);
    }
  }

  // ---------------------------------------------------------------- handlers

  private Publisher<Void> health(HttpServerResponse res) {
    ObjectNode body = mapper.createObjectNode()
        .put("status", "UP")
        .put("sandboxes", sandboxes.list().size())
        .put("max_sandboxes", options.maxSandboxes());
    return json(res, 200, body);
  }

  private Publisher<Void> create(HttpServerRequest req, HttpServerResponse res, String path) {
    return body(req, MAX_JSON_BYTES)
        .map(bytes -> SandboxRequests.limits(bytes.length == 0 ? null : parse(bytes), options.defaultLimits(),
            options.ceiling()))
        .flatMap(limits -> work.submit(() -> {
          synchronized (creation) {
            int live = sandboxes.list().size();
            if (live >= options.maxSandboxes()) {
              throw new Problem(429, "sandboxes", (long) options.maxSandboxes(), "the server holds " + live
                  + " sandboxes, its limit; delete one (DELETE /v1/sandboxes/{id}) or wait for idle ones to expire");
            }
            return sandboxes.create(limits);
          }
        }))
        .flatMap(s -> {
          ObjectNode body = mapper.createObjectNode().put("id", s.id());
          body.set("limits", limitsJson(s.limits()));
          res.header("location", PREFIX + "/" + s.id());
          return Mono.from(json(res, 201, body));
        })
        .onErrorResume(e -> Mono.from(problem(res, e, path)));
  }

  private Publisher<Void> exec(HttpServerRequest req, HttpServerResponse res, String id, String path) {
    Sandbox sandbox = lookup(id);
    return body(req, MAX_JSON_BYTES)
        .map(bytes -> SandboxRequests.exec(parse(bytes), sandbox.limits(), options.maxArgs()))
        .flatMap(request -> work.submit(() -> sandbox.exec(request)))
        .flatMap(r -> Mono.from(json(res, 200, resultJson(r))))
        .onErrorResume(e -> Mono.from(problem(res, e, path)));
  }

  private Publisher<Void> writeFile(HttpServerRequest req, HttpServerResponse res, String id, String file, String path) {
    Sandbox sandbox = lookup(id);
    return body(req, sandbox.limits().fileSizeBytes())
        .flatMap(bytes -> work.submit(() -> {
          sandbox.write(file, bytes);
          return Boolean.TRUE;
        }))
        .flatMap(done -> Mono.from(res.status(204).send()))
        .onErrorResume(e -> Mono.from(problem(res, e, path)));
  }

  private Publisher<Void> readFile(HttpServerResponse res, String id, String file, String path) {
    Sandbox sandbox = lookup(id);
    return work.submit(() -> sandbox.read(file))
        .flatMap(bytes -> Mono.from(res.status(200)
            .header("content-type", "application/octet-stream")
            .header("content-length", Integer.toString(bytes.length))
            .sendByteArray(Mono.just(bytes))
            .then()))
        .onErrorResume(e -> Mono.from(problem(res, e, path)));
  }

  private Publisher<Void> delete(HttpServerResponse res, String id, String path) {
    lookup(id);
    return work.submit(() -> sandboxes.destroy(id))
        .flatMap(found -> found ? Mono.from(res.status(204).send()) : Mono.error(unknown(id)))
        .onErrorResume(e -> Mono.from(problem(res, e, path)));
  }

  private Sandbox lookup(String id) {
    if (!ID.matcher(id).matches()) {
      throw unknown(id);
    }
    return sandboxes.get(id).orElseThrow(() -> unknown(id));
  }

  private static Problem unknown(String id) {
    String shown = id.length() > 64 ? id.substring(0, 64) + "…" : id;
    return Problem.notFound("no sandbox '" + shown + "' (never created, deleted, or expired after being idle)");
  }

  // ---------------------------------------------------------------- JSON

  private ObjectNode resultJson(ExecResult r) {
    ObjectNode n = mapper.createObjectNode()
        .put("exit_code", r.exitCode())
        .put("stdout", r.stdout())
        .put("stderr", r.stderr())
        .put("timed_out", r.timedOut())
        .put("duration_ms", r.durationMs())
        .put("truncated", r.truncated());
    var hit = n.putArray("limits_hit");
    for (LimitKind k : LimitKind.values()) {
      if (r.limitsHit().contains(k)) {
        hit.add(k.name());
      }
    }
    return n;
  }

  private ObjectNode limitsJson(Limits l) {
    return mapper.createObjectNode()
        .put("memory_bytes", l.memoryBytes())
        .put("pids", l.pids())
        .put("cpu_quota", l.cpuQuota())
        .put("cpu_seconds", l.cpuSeconds())
        .put("file_size_bytes", l.fileSizeBytes())
        .put("open_files", l.openFiles())
        .put("output_cap_bytes", l.outputCapBytes())
        .put("wall_timeout_s", l.wallTimeout().toMillis() / 1000.0);
  }

  private JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw Problem.badRequest("body", "the request body is empty; send a JSON object");
    }
    try {
      return mapper.readTree(bytes);
    } catch (JacksonException e) {
      throw Problem.badRequest("body", "the request body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private Publisher<Void> json(HttpServerResponse res, int status, JsonNode node) {
    byte[] bytes = mapper.writeValueAsBytes(node);
    return res.status(status).header("content-type", JSON).sendByteArray(Mono.just(bytes)).then();
  }

  // ---------------------------------------------------------------- errors

  private Publisher<Void> problem(HttpServerResponse res, Throwable e, String path) {
    Problem p = asProblem(e);
    if (res.hasSentHeaders()) {
      return Mono.empty();
    }
    ObjectNode body = mapper.createObjectNode()
        .put("type", "about:blank")
        .put("title", p.title())
        .put("status", p.status())
        .put("detail", p.getMessage())
        .put("instance", path.length() > 512 ? path.substring(0, 512) : path);
    if (p.field() != null) {
      body.put("field", p.field());
    }
    if (p.limit() != null) {
      body.put("limit", p.limit());
    }
    byte[] bytes = mapper.writeValueAsBytes(body);
    return res.status(p.status()).header("content-type", PROBLEM_JSON).sendByteArray(Mono.just(bytes)).then();
  }

  private static Problem asProblem(Throwable e) {
    return switch (e) {
      case Problem p -> p;
      case PathRefusedException r -> Problem.badRequest("path", r.getMessage());
      case LimitExceededException l when l.limit().equals("fileSizeBytes") ->
          new Problem(413, "body", l.max(), l.getMessage());
      case LimitExceededException l -> Problem.overLimit(l.limit(), l.max(), l.getMessage());
      case SandboxClosedException c -> Problem.notFound(c.getMessage());
      case SandboxUnavailableException u -> new Problem(503, null, null, u.getMessage());
      case NoSuchFileException n -> new Problem(404, "path", null, "no file '" + n.getMessage() + "' in the workspace");
      case NotDirectoryException n -> Problem.badRequest("path", "a component of '" + n.getMessage() + "' is not a directory");
      case InterruptedIOException i -> new Problem(503, null, null, "interrupted: the server is stopping");
      case InterruptedException i -> new Problem(503, null, null, "interrupted: the server is stopping");
      case RejectedExecutionException r -> new Problem(503, null, null, "the server is stopping");
      case IOException io when io.getMessage() != null && io.getMessage().endsWith("is a directory") ->
          Problem.badRequest("path", io.getMessage());
      case IllegalArgumentException i -> Problem.badRequest(null, i.getMessage());
      default -> {
        log.warn("request failed", e);
        yield new Problem(500, null, null, "internal error: " + e.getClass().getSimpleName());
      }
    };
  }

  private static void allow(HttpMethod method, HttpMethod... allowed) {
    for (HttpMethod m : allowed) {
      if (m.equals(method)) {
        return;
      }
    }
    throw new Problem(405, "method", null, "method " + method + " is not allowed here");
  }

  // ---------------------------------------------------------------- request pieces

  /**
   * The body, at most {@code max} bytes (else a 413 naming the limit): refused from its {@code
   * Content-Length} before it is read when that says more, and while reading otherwise.
   */
  private static Mono<byte[]> body(HttpServerRequest req, long max) {
    String length = req.requestHeaders().get("content-length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > max) {
          return Mono.error(tooLarge(max));
        }
      } catch (NumberFormatException e) {
        return Mono.error(Problem.badRequest("content-length", "bad content-length"));
      }
    }
    return req.receive()
        .asByteArray()
        .reduceWith(ByteArrayOutputStream::new, (out, bytes) -> {
          if (out.size() + (long) bytes.length > max) {
            throw tooLarge(max);
          }
          out.write(bytes, 0, bytes.length);
          return out;
        })
        .map(ByteArrayOutputStream::toByteArray)
        .defaultIfEmpty(new byte[0]);
  }

  private static Problem tooLarge(long max) {
    return new Problem(413, "body", max, "the request body is larger than the limit of " + max + " bytes");
  }

  /** The request target's path, undecoded, without query. */
  static String rawPath(String uri) {
    int q = uri.indexOf('?');
    String p = q < 0 ? uri : uri.substring(0, q);
    if (p.startsWith("http://") || p.startsWith("https://")) {
      int slash = p.indexOf('/', p.indexOf("//") + 2);
      p = slash < 0 ? "/" : p.substring(slash);
    }
    return p.startsWith("/") ? p : "/" + p;
  }

  /** Decodes {@code %XX} escapes (UTF-8); {@code +} stays a plus, as in any URL path. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw Problem.badRequest("path", "the file path has a malformed %-escape");
        }
        out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
