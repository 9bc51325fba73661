package io.fathom.sandbox.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.sandbox.TestSandboxes;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The sandbox server's API on loopback with real sandboxes: each endpoint's answers and refusals
 * (RFC 9457 problems naming the field and the limit), authentication, the file API's escapes, the
 * cap on sandboxes, and idle expiry.
 */
class SandboxServerTest {

  static final String KEY = "test-key-0123456789abcdef";

  static Path root;
  static SandboxServer server;
  static ServerClient client;

  @BeforeAll
  static void start() throws IOException {
    root = TestSandboxes.newRoot();
    TestSandboxes.assumeReady(TestSandboxes.config(root));
    server = new SandboxServer(SandboxServerOptions.defaults(root, root.getParent().resolve("data"))
        .withApiKey(KEY).withCgroupParent("fathom-server-test").withMaxArgs(16).withMaxSandboxes(6));
    client = new ServerClient(server.baseUrl(), KEY);
  }

  @AfterAll
  static void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    if (root != null) {
      TestSandboxes.deleteTree(root.getParent());
    }
  }

  @AfterEach
  void destroyAll() {
    if (server != null) {
      server.sandboxes().list().forEach(s -> server.sandboxes().destroy(s.id()));
    }
  }

  private static void assertProblem(HttpResponse<String> r, int status, String field) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
    JsonNode p = ServerClient.json(r);
    assertThat(p.get("type").asString()).isEqualTo("about:blank");
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("title").asString()).isNotBlank();
    assertThat(p.get("detail").asString()).isNotBlank();
    if (field != null) {
      assertThat(p.path("field").asString()).as(r.body()).isEqualTo(field);
    }
  }

  private static void assertProblem(HttpResponse<String> r, int status, String field, long limit) {
    assertProblem(r, status, field);
    assertThat(ServerClient.json(r).path("limit").asLong()).as(r.body()).isEqualTo(limit);
  }

  // ------------------------------------------------------------------ health and auth

  @Test
  void healthIsOpenAndEverythingElseNeedsTheKey() throws Exception {
    try (ServerClient anonymous = client.withKey(null); ServerClient wrong = client.withKey("wrong-key-0123456789abcdef")) {
      HttpResponse<String> health = anonymous.send("GET", "/health", null);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(ServerClient.json(health).get("status").asString()).isEqualTo("UP");
      assertThat(ServerClient.json(health).get("max_sandboxes").asInt()).isEqualTo(6);

      String id = client.create(null);
      for (ServerClient c : List.of(anonymous, wrong)) {
        HttpResponse<String> r = c.send("POST", "/v1/sandboxes", null);
        assertProblem(r, 401, "authorization");
        assertThat(r.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertProblem(c.send("POST", "/v1/sandboxes/" + id + "/exec", "{\"cmd\": [\"true\"]}"), 401, "authorization");
        assertProblem(c.send("GET", "/v1/sandboxes/" + id + "/files/a", null), 401, "authorization");
        assertProblem(c.send("PUT", "/v1/sandboxes/" + id + "/files/a", "x"), 401, "authorization");
        assertProblem(c.send("DELETE", "/v1/sandboxes/" + id, null), 401, "authorization");
        assertProblem(c.send("GET", "/v1/nothing", null), 401, "authorization");
      }
      assertThat(ServerClient.json(wrong.send("GET", "/v1/x", null)).get("detail").asString()).doesNotContain("wrong-key");
      assertThat(server.sandboxes().list()).hasSize(1);
      assertThat(client.exec(id, "echo", "still here").get("stdout").asString()).isEqualTo("still here\n");
    }
  }

  // ------------------------------------------------------------------ create

  @Test
  void createReturnsAnIdAndTheLimits() throws Exception {
    HttpResponse<String> r = client.send("POST", "/v1/sandboxes", null);
    assertThat(r.statusCode()).isEqualTo(201);
    JsonNode body = ServerClient.json(r);
    String id = body.get("id").asString();
    assertThat(id).matches("[0-9a-f]{24}");
    assertThat(r.headers().firstValue("location")).hasValue("/v1/sandboxes/" + id);
    assertThat(body.get("limits").get("wall_timeout_s").asDouble()).isEqualTo(30.0);
    assertThat(server.sandboxes().get(id)).isPresent();

    HttpResponse<String> custom = client.send("POST", "/v1/sandboxes",
        "{\"memory_bytes\": 134217728, \"pids\": 64, \"wall_timeout_s\": 5, \"output_cap_bytes\": 4096}");
    assertThat(custom.statusCode()).as(custom.body()).isEqualTo(201);
    var limits = server.sandboxes().get(ServerClient.json(custom).get("id").asString()).orElseThrow().limits();
    assertThat(limits.memoryBytes()).isEqualTo(128L << 20);
    assertThat(limits.pids()).isEqualTo(64);
    assertThat(limits.wallTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(limits.outputCapBytes()).isEqualTo(4096);
  }

  @Test
  void createRefusesLimitsOverTheMaximaAndBadBodies() throws Exception {
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"memory_bytes\": 99999999999999}"), 400, "memory_bytes", 8L << 30);
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"wall_timeout_s\": 601}"), 400, "wall_timeout_s", 600);
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"file_size_bytes\": 1073741824}"), 400, "file_size_bytes", 64L << 20);
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"pids\": 2}"), 400, "pids");
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"pids\": \"many\"}"), 400, "pids");
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"cpu_quota\": 100}"), 400, "cpu_quota", 16);
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"bogus\": 1}"), 400, "bogus");
    assertProblem(client.send("POST", "/v1/sandboxes", "{\"pids\": "), 400, "body");
    assertProblem(client.send("POST", "/v1/sandboxes", "[1]"), 400, "body");
    assertProblem(client.send("GET", "/v1/sandboxes", null), 405, "method");
    assertThat(server.sandboxes().list()).isEmpty();
  }

  @Test
  void tooManySandboxesAreRefusedWith429() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(client.create(null));
    }
    assertProblem(client.send("POST", "/v1/sandboxes", null), 429, "sandboxes", 6);
    assertThat(client.send("DELETE", "/v1/sandboxes/" + ids.getFirst(), null).statusCode()).isEqualTo(204);
    assertThat(client.send("POST", "/v1/sandboxes", null).statusCode()).isEqualTo(201);
  }

  // ------------------------------------------------------------------ exec

  @Test
  void execRunsWithStdinEnvAndTimeout() throws Exception {
    String id = client.create(null);
    JsonNode r = client.execJson(id, """
        {"cmd": ["bash", "-c", "read x; echo \\"$x-$GREETING\\"; echo err >&2; exit 7"],
         "stdin": "hello\\n", "timeout_s": 10, "env": {"GREETING": "world"}}""");
    assertThat(r.get("exit_code").asInt()).isEqualTo(7);
    assertThat(r.get("stdout").asString()).isEqualTo("hello-world\n");
    assertThat(r.get("stderr").asString()).isEqualTo("err\n");
    assertThat(r.get("timed_out").asBoolean()).isFalse();
    assertThat(r.get("truncated").asBoolean()).isFalse();
    assertThat(r.get("duration_ms").asLong()).isPositive();
    assertThat(r.get("limits_hit").isArray()).isTrue();

    JsonNode slow = client.execJson(id, "{\"cmd\": [\"sleep\", \"30\"], \"timeout_s\": 0.5}");
    assertThat(slow.get("timed_out").asBoolean()).isTrue();
    assertThat(slow.get("exit_code").asInt()).isEqualTo(137);
    assertThat(slow.get("limits_hit").toString()).contains("WALL_TIMEOUT");
  }

  @Test
  void execRefusesBadRequestsNamingTheField() throws Exception {
    String id = client.create(null);
    String exec = "/v1/sandboxes/" + id + "/exec";
    assertProblem(client.send("POST", exec, "{\"cmd\": []}"), 400, "cmd");
    assertProblem(client.send("POST", exec, "{}"), 400, "cmd");
    assertProblem(client.send("POST", exec, "{\"cmd\": \"ls -l\"}"), 400, "cmd");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"echo\", 1]}"), 400, "cmd[1]");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"\"]}"), 400, "cmd[0]");
    String seventeen = "{\"cmd\": [" + "\"x\",".repeat(16) + "\"x\"]}";
    assertProblem(client.send("POST", exec, seventeen), 400, "cmd", 16);
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"timeout_s\": 31}"), 400, "timeout_s", 30);
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"timeout_s\": -1}"), 400, "timeout_s");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"timeout_s\": \"soon\"}"), 400, "timeout_s");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"env\": {\"1X\": \"y\"}}"), 400, "env.1X");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"env\": {\"A-B\": \"y\"}}"), 400, "env.A-B");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"env\": {\"LD_PRELOAD\": \"/x.so\"}}"), 400, "env.LD_PRELOAD");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"env\": {\"PATH\": \"/x\"}}"), 400, "env.PATH");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"env\": {\"A\": 1}}"), 400, "env.A");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"stdin\": 5}"), 400, "stdin");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"extra\": 5}"), 400, "extra");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"]"), 400, "body");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"true\"], \"cmd\": [\"false\"]}"), 400, "body");
    assertProblem(client.send("POST", exec, ""), 400, "body");
    assertProblem(client.send("POST", exec, "{\"cmd\": [\"" + "a".repeat(1 << 20) + "\"]}"), 400, "cmd", 1 << 20);
    assertProblem(client.send("POST", "/v1/sandboxes/0123456789abcdef01234567/exec", "{\"cmd\": [\"true\"]}"), 404, null);
    assertProblem(client.send("POST", "/v1/sandboxes/not-an-id/exec", "{\"cmd\": [\"true\"]}"), 404, null);
    assertProblem(client.send("GET", exec, null), 405, "method");
    assertThat(client.exec(id, "echo", "ok").get("stdout").asString()).isEqualTo("ok\n");
  }

  // ------------------------------------------------------------------ files

  @Test
  void filesRoundTripAndAreSeenByPrograms() throws Exception {
    String id = client.create("{\"file_size_bytes\": 4096}");
    byte[] data = new byte[3000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    assertThat(client.sendBytes("PUT", "/v1/sandboxes/" + id + "/files/dir/sub/data.bin", data).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> back = client.sendBytes("GET", "/v1/sandboxes/" + id + "/files/dir/sub/data.bin", null);
    assertThat(back.statusCode()).isEqualTo(200);
    assertThat(back.headers().firstValue("content-type")).hasValue("application/octet-stream");
    assertThat(back.body()).isEqualTo(data);
    assertThat(client.exec(id, "stat", "-c", "%s %U", "dir/sub/data.bin").get("stdout").asString()).isEqualTo("3000 sandbox\n");

    client.exec(id, "bash", "-c", "echo made by the program > 'with space.txt'");
    HttpResponse<byte[]> spaced = client.sendBytes("GET", "/v1/sandboxes/" + id + "/files/with%20space.txt", null);
    assertThat(ServerClient.text(spaced)).isEqualTo("made by the program\n");

    HttpResponse<byte[]> missing = client.sendBytes("GET", "/v1/sandboxes/" + id + "/files/nope.txt", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(client.sendBytes("GET", "/v1/sandboxes/" + id + "/files/dir", null).statusCode()).isEqualTo(400);

    HttpResponse<String> big = client.send("PUT", "/v1/sandboxes/" + id + "/files/big", "x".repeat(4097));
    assertProblem(big, 413, "body", 4096);
    assertThat(client.sendBytes("GET", "/v1/sandboxes/" + id + "/files/big", null).statusCode()).isEqualTo(404);
    assertThat(client.sendBytes("PUT", "/v1/sandboxes/0123456789abcdef01234567/files/a", data).statusCode()).isEqualTo(404);
  }

  @Test
  void fileApiRefusesPathEscapes() throws Exception {
    String id = client.create(null);
    client.exec(id, "bash", "-c", """
        mkdir -p data && echo inside > data/real.txt
        ln -s /etc/passwd passwd-link; ln -s /etc etc-link; ln -s .. up; ln -s data/real.txt in-link
        """);
    String files = "/v1/sandboxes/" + id + "/files/";
    for (String p : List.of("%2e%2e/x", "data/%2E%2E/%2E%2E/x", "%2Fetc%2Fpasswd", "/etc/passwd", "passwd-link",
        "etc-link/passwd", "up/state/seccomp.bpf", "up/ws", "%00x")) {
      HttpResponse<String> get = client.send("GET", files + p, null);
      assertProblem(get, 400, "path");
      HttpResponse<String> put = client.send("PUT", files + p, "evil");
      assertProblem(put, 400, "path");
    }
    HttpResponse<String> raw = client.send("GET", files + "../../x", null);
    assertProblem(raw, 400, "path");
    assertThat(raw.body()).doesNotContain("root:x:0:0");
    assertProblem(client.send("PUT", files + "etc-link/evil", "evil"), 400, "path");
    assertThat(Path.of("/etc/evil")).doesNotExist();
    assertThat(Files.readString(Path.of("/etc/passwd"))).doesNotContain("evil");
    assertThat(ServerClient.text(client.sendBytes("GET", files + "in-link", null))).isEqualTo("inside\n");
  }

  // ------------------------------------------------------------------ delete

  @Test
  void deleteDestroysTheSandboxAndItsWorkspace() throws Exception {
    String id = client.create(null);
    client.exec(id, "touch", "f");
    Path ws = server.sandboxes().get(id).orElseThrow().workspace();
    assertThat(ws.resolve("f")).exists();
    HttpResponse<String> r = client.send("DELETE", "/v1/sandboxes/" + id, null);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    assertThat(ws).doesNotExist();
    assertProblem(client.send("DELETE", "/v1/sandboxes/" + id, null), 404, null);
    assertProblem(client.send("POST", "/v1/sandboxes/" + id + "/exec", "{\"cmd\": [\"true\"]}"), 404, null);
    assertThat(client.sendBytes("GET", "/v1/sandboxes/" + id + "/files/f", null).statusCode()).isEqualTo(404);
  }

  // ------------------------------------------------------------------ idle expiry and the generated key

  @Test
  void idleSandboxesExpireAndAGeneratedKeyIsKeptOwnerOnly() throws Exception {
    Path idleRoot = TestSandboxes.newRoot();
    Path data = idleRoot.getParent().resolve("data");
    try (SandboxServer idle = new SandboxServer(SandboxServerOptions.parse(
            new String[] {"--root", idleRoot.toString(), "--port", "0", "--idle-timeout", "1s"},
            Map.of("FATHOM_DATA_DIR", data.toString())).withCgroupParent("fathom-server-idle-test"))) {
      Path keyFile = data.resolve("sandbox-api-key");
      assertThat(idle.keyFile()).hasValueSatisfying(k -> assertThat(k.file()).isEqualTo(keyFile));
      assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      String key = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
      assertThat(key).hasSizeGreaterThanOrEqualTo(40);
      try (ServerClient c = new ServerClient(idle.baseUrl(), key)) {
        String kept = c.create(null);
        String dropped = c.create(null);
        JsonNode busy = c.execJson(kept, "{\"cmd\": [\"sleep\", \"2.5\"]}");
        assertThat(busy.get("exit_code").asInt()).as("a running sandbox is not idle").isZero();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (idle.sandboxes().get(dropped).isPresent() && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(idle.sandboxes().get(dropped)).as("expired after 1 s idle").isEmpty();
        assertProblem(c.send("POST", "/v1/sandboxes/" + dropped + "/exec", "{\"cmd\": [\"true\"]}"), 404, null);
        assertThat(c.withKey(null).send("GET", "/health", null).statusCode()).isEqualTo(200);
      }
    } finally {
      TestSandboxes.deleteTree(idleRoot.getParent());
    }
  }
}
