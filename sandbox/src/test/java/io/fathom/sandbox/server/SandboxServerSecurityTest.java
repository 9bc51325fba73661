package io.fathom.sandbox.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.sandbox.TestSandboxes;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The security suite run through the sandbox server: each escape or exhaustion attempt is sent as
 * an HTTP execution and must be contained, and after each the server still answers {@code GET
 * /health} with 200, runs a trivial program, and has left no process of the sandbox user behind.
 */
class SandboxServerSecurityTest {

  private static final String KEY = "security-key-0123456789abcdef";
  private static final String CTYPES = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n";

  static Path root;
  static Path dataDir;
  static SandboxServer server;
  static ServerClient client;
  static String sandbox;

  @BeforeAll
  static void start() throws IOException, InterruptedException {
    root = TestSandboxes.newRoot();
    TestSandboxes.assumeReady(TestSandboxes.config(root));
    dataDir = root.getParent().resolve("server-data");
    server = new SandboxServer(SandboxServerOptions.defaults(root, dataDir).withCgroupParent("fathom-server-test"));
    String key = Files.readString(dataDir.resolve(SandboxServerOptions.KEY_FILE_NAME)).strip();
    Files.writeString(dataDir.resolve("secret.txt"), "SERVER-DATA-SECRET");
    client = new ServerClient(server.baseUrl(), key);
    sandbox = client.create("{\"wall_timeout_s\": 20}");
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
  void serverStillHealthy() throws Exception {
    if (server == null) {
      return;
    }
    try (ServerClient anonymous = client.withKey(null)) {
      HttpResponse<String> health = anonymous.send("GET", "/health", null);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(ServerClient.json(health).get("status").asString()).isEqualTo("UP");
    }
    assertThat(TestSandboxes.describeProcessesOf(server.sandboxes().user().uid())).as("processes of the sandbox user").isEmpty();
    JsonNode r = python("print('alive')");
    assertThat(r.get("exit_code").asInt()).isZero();
    assertThat(r.get("stdout").asString()).isEqualTo("alive\n");
  }

  private static JsonNode python(String code) throws Exception {
    return client.exec(sandbox, "python3", "-c", code);
  }

  private static JsonNode bash(String script) throws Exception {
    return client.exec(sandbox, "bash", "-c", script);
  }

  private static String out(JsonNode r) {
    return r.get("stdout").asString();
  }

  private static String hit(JsonNode r) {
    return r.get("limits_hit").toString();
  }

  private static String create(String limits) throws Exception {
    return client.create(limits);
  }

  // ------------------------------------------------------------------ network

  @Test
  void noConnectionToTheServerItselfNorTheHostLoopbackNorTheInternet() throws Exception {
    int port = server.port();
    JsonNode r = python("""
        import socket
        for fam, addr in ((socket.AF_INET, ('127.0.0.1', %1$d)), (socket.AF_INET6, ('::1', %1$d)),
                          (socket.AF_INET, ('1.1.1.1', 443))):
            try:
                s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3); s.connect(addr); print('CONNECTED')
            except OSError as e:
                print(type(e).__name__, e.errno)
        """.formatted(port));
    assertThat(out(r)).doesNotContain("CONNECTED").isEqualTo("PermissionError 1\nPermissionError 1\nPermissionError 1\n");
    JsonNode viaBash = bash("exec 3<>/dev/tcp/127.0.0.1/" + port + " && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3");
    assertThat(viaBash.get("exit_code").asInt()).isNotZero();
    assertThat(out(viaBash)).doesNotContain("UP");
    JsonNode curl = bash("command -v curl >/dev/null && curl -s -m 3 http://127.0.0.1:" + port + "/health; echo rc=$?");
    assertThat(out(curl)).doesNotContain("UP");
  }

  // ------------------------------------------------------------------ filesystem

  @Test
  void writesOutsideTheWorkspaceFail() throws Exception {
    JsonNode r = python("""
        for p in ('/etc/fathom-x', '/usr/fathom-x', '/root/fathom-x', '/fathom-x', '/usr/bin/python3', '%s/x'):
            try:
                open(p, 'w').write('x'); print('WROTE', p)
            except OSError as e:
                print(type(e).__name__, p)
        """.formatted(dataDir));
    assertThat(out(r)).doesNotContain("WROTE");
    assertThat(out(r).lines().count()).isEqualTo(6);
    for (String p : List.of("/etc/fathom-x", "/usr/fathom-x", "/root/fathom-x", "/fathom-x")) {
      assertThat(Path.of(p)).doesNotExist();
    }
    assertThat(dataDir.resolve("x")).doesNotExist();
  }

  @Test
  void hostSecretsTheServersDataAndRootAreNotVisible() throws Exception {
    Path keyFile = dataDir.resolve(SandboxServerOptions.KEY_FILE_NAME);
    StringBuilder code = new StringBuilder("import os\n");
    for (String p : List.of("/etc/shadow", "/root/.bashrc", keyFile.toString(), dataDir.resolve("secret.txt").toString(),
        root.resolve("state/seccomp.bpf").toString(), "/proc/1/root/etc/shadow")) {
      code.append("try:\n    print('READ', repr(open('").append(p).append("').read()[:40]))\n")
          .append("except OSError as e:\n    print(type(e).__name__, '").append(p).append("')\n");
    }
    code.append("for d in ('/root', '").append(dataDir).append("', '").append(root).append("'):\n")
        .append("    try:\n        print('LISTED', d, os.listdir(d))\n    except OSError as e:\n        print(type(e).__name__, d)\n");
    JsonNode r = python(code.toString());
    assertThat(out(r)).doesNotContain("SECRET").doesNotContain("READ '").doesNotContain("LISTED")
        .contains("FileNotFoundError /etc/shadow", "FileNotFoundError " + keyFile);
    String key = Files.readString(keyFile).strip();
    JsonNode env = bash("cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; env");
    assertThat(out(env)).doesNotContain(key).doesNotContain("FATHOM_").doesNotContain("JAVA_HOME");
    assertThat(bash("cat /etc/shadow").get("exit_code").asInt()).isNotZero();
  }

  // ------------------------------------------------------------------ resources

  @Test
  void forkBombIsStoppedByPidsMax() throws Exception {
    String s = create("{\"pids\": 64, \"wall_timeout_s\": 4}");
    long t0 = System.nanoTime();
    JsonNode r = client.exec(s, "bash", "-c", ":(){ :|:& };:; sleep 60");
    assertThat(hit(r)).contains("PIDS");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(4000 + 5000);
    client.send("DELETE", "/v1/sandboxes/" + s, null);
  }

  @Test
  void memoryBombIsKilledByTheMemoryLimit() throws Exception {
    String s = create("{\"memory_bytes\": 134217728, \"wall_timeout_s\": 15}");
    JsonNode r = client.exec(s, "python3", "-c", """
        chunks = []
        for i in range(64):
            chunks.append(b'x' * (64 << 20))
        print('ALLOCATED 4 GiB')
        """);
    assertThat(out(r)).doesNotContain("ALLOCATED");
    assertThat(r.get("exit_code").asInt()).isEqualTo(137);
    assertThat(hit(r)).contains("MEMORY");
    client.send("DELETE", "/v1/sandboxes/" + s, null);
  }

  @Test
  void cpuSpinIsKilledAtTheRequestedTimeout() throws Exception {
    long t0 = System.nanoTime();
    JsonNode r = client.execJson(sandbox, """
        {"cmd": ["bash", "-c", "sleep 1000 & nohup python3 -c 'while True: pass' >/dev/null 2>&1 & while :; do :; done"],
         "timeout_s": 2}""");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.get("timed_out").asBoolean()).isTrue();
    assertThat(r.get("exit_code").asInt()).isEqualTo(137);
    assertThat(hit(r)).contains("WALL_TIMEOUT");
    assertThat(ms).isBetween(1900L, 7000L);
  }

  @Test
  void outputFloodIsTruncatedAtTheCap() throws Exception {
    String s = create("{\"output_cap_bytes\": 4096, \"wall_timeout_s\": 15}");
    JsonNode r = client.exec(s, "yes", "flood");
    assertThat(r.get("truncated").asBoolean()).isTrue();
    assertThat(out(r)).hasSize(4096).startsWith("flood\nflood\n");
    assertThat(r.get("timed_out").asBoolean()).isFalse();
    assertThat(hit(r)).contains("OUTPUT");
    client.send("DELETE", "/v1/sandboxes/" + s, null);
  }

  // ------------------------------------------------------------------ kernel interfaces

  @Test
  void ptraceIsDenied() throws Exception {
    JsonNode r = python(CTYPES + """
        print('traceme', libc.ptrace(0, 0, 0, 0), ctypes.get_errno())
        pid = os.fork()
        if pid == 0:
            import time; time.sleep(5); os._exit(0)
        print('attach', libc.ptrace(16, pid, 0, 0), ctypes.get_errno())
        os.kill(pid, 9)
        """);
    assertThat(out(r)).isEqualTo("traceme -1 1\nattach -1 1\n");
  }

  @Test
  void mountIsDenied() throws Exception {
    JsonNode r = python(CTYPES + """
        print('mount', libc.mount(b'none', b'/tmp', b'tmpfs', 0, None), ctypes.get_errno())
        print('umount', libc.umount2(b'/workspace', 2), ctypes.get_errno())
        """);
    assertThat(out(r)).isEqualTo("mount -1 1\numount -1 1\n");
    assertThat(bash("mount -t tmpfs none /tmp").get("exit_code").asInt()).isNotZero();
  }

  @Test
  void unshareIsDenied() throws Exception {
    JsonNode r = python(CTYPES + """
        for name, flag in (('user', 0x10000000), ('net', 0x40000000), ('mnt', 0x20000), ('pid', 0x20000000)):
            print('unshare', name, libc.unshare(flag), ctypes.get_errno())
        """);
    assertThat(out(r)).isEqualTo("unshare user -1 1\nunshare net -1 1\nunshare mnt -1 1\nunshare pid -1 1\n");
    assertThat(bash("unshare -r true").get("exit_code").asInt()).isNotZero();
  }
}
