package io.fathom.worker.pull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hub on loopback: the model info and tree APIs, {@code /REPO/resolve/REV/PATH}, and for LFS files a 302 to a
 * "CDN" path that serves byte ranges.
 */
final class FakeHub implements AutoCloseable {

  static final String REPO = "acme/tiny-model";
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  record Request(String path, String range, String authorization) {}

  final Map<String, byte[]> files = new LinkedHashMap<>();
  final Set<String> lfs = ConcurrentHashMap.newKeySet();
  /** Listed but not served (hostile names). */
  final List<String> extraListed = new ArrayList<>();
  final Map<String, Long> listedSize = new ConcurrentHashMap<>();
  final Map<String, String> listedSha = new ConcurrentHashMap<>();
  /** Files whose next download is cut off midway. */
  final Set<String> cutOnce = ConcurrentHashMap.newKeySet();
  final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  volatile boolean ignoreRange;
  volatile String requiredToken;
  /** Where LFS downloads are redirected to: this server unless set to another's endpoint. */
  volatile String cdnBase;
  private final HttpServer server;

  FakeHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  FakeHub file(String path, byte[] content, boolean isLfs) {
    files.put(path, content);
    if (isLfs) {
      lfs.add(path);
    }
    return this;
  }

  List<Request> downloads() {
    synchronized (requests) {
      return requests.stream().filter(r -> r.path().contains("/resolve/") || r.path().startsWith("/cdn/")).toList();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
      requests.add(new Request(path, ex.getRequestHeaders().getFirst("Range"),
          ex.getRequestHeaders().getFirst("Authorization")));
      if (requiredToken != null && !("Bearer " + requiredToken).equals(ex.getRequestHeaders().getFirst("Authorization"))
          && !path.startsWith("/cdn/")) {
        ex.sendResponseHeaders(401, -1);
        return;
      }
      String api = "/api/models/" + REPO + "/";
      if (path.equals(api + "revision/main") || path.equals(api + "revision/" + COMMIT)) {
        StringBuilder json = new StringBuilder("{\"id\":\"" + REPO + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
        List<String> names = new ArrayList<>(files.keySet());
        names.addAll(extraListed);
        for (int i = 0; i < names.size(); i++) {
          json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(names.get(i)).append("\"}");
        }
        send(ex, 200, json.append("]}").toString());
      } else if (path.equals(api + "tree/" + COMMIT)) {
        StringBuilder json = new StringBuilder("[");
        for (var e : files.entrySet()) {
          long size = listedSize.getOrDefault(e.getKey(), (long) e.getValue().length);
          json.append(json.length() == 1 ? "" : ",").append("{\"type\":\"file\",\"oid\":\"x\",\"path\":\"")
              .append(e.getKey()).append("\",\"size\":").append(size);
          if (lfs.contains(e.getKey())) {
            String sha = listedSha.getOrDefault(e.getKey(), sha256(e.getValue()));
            json.append(",\"lfs\":{\"oid\":\"").append(sha).append("\",\"size\":").append(size)
                .append(",\"pointerSize\":134}");
          }
          json.append('}');
        }
        send(ex, 200, json.append(']').toString());
      } else if (path.startsWith("/" + REPO + "/resolve/" + COMMIT + "/")) {
        String file = path.substring(("/" + REPO + "/resolve/" + COMMIT + "/").length());
        if (!files.containsKey(file)) {
          ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
          ex.sendResponseHeaders(404, -1);
        } else if (lfs.contains(file)) {
          // Like the Hub: LFS files live on a CDN, reached by an absolute redirect.
          ex.getResponseHeaders().add("Location", (cdnBase != null ? cdnBase : endpoint()) + "/cdn/" + sha256(files.get(file)) + "?name=" + file);
          ex.sendResponseHeaders(302, -1);
        } else {
          serve(ex, file);
        }
      } else if (path.startsWith("/cdn/")) {
        String query = ex.getRequestURI().getRawQuery();
        serve(ex, URLDecoder.decode(query.substring("name=".length()), StandardCharsets.UTF_8));
      } else if (path.startsWith("/api/models/")) {
        ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
        send(ex, 404, "{\"error\":\"Repository not found\"}");
      } else {
        ex.sendResponseHeaders(404, -1);
      }
    }
  }

  private void serve(HttpExchange ex, String file) throws IOException {
    byte[] content = files.get(file);
    String range = ex.getRequestHeaders().getFirst("Range");
    int from = 0;
    if (range != null && !ignoreRange) {
      from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
      if (from >= content.length) {
        ex.sendResponseHeaders(416, -1);
        return;
      }
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
    }
    int length = content.length - from;
    ex.sendResponseHeaders(range != null && !ignoreRange ? 206 : 200, length);
    OutputStream out = ex.getResponseBody();
    if (cutOnce.remove(file)) {
      out.write(content, from, length / 2);
      out.flush();
      sleep(100);
      // Give up mid-body: the server drops the connection.
      throw new IOException("cut off " + file + " midway (test)");
    }
    out.write(content, from, length);
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
