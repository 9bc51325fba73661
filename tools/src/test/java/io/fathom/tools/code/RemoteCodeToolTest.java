package io.fathom.tools.code;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.SandboxConfig;
import io.fathom.sandbox.SandboxSetup;
import io.fathom.sandbox.server.SandboxServer;
import io.fathom.sandbox.server.SandboxServerOptions;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code python} and {@code bash} tools against a real sandbox server on loopback ({@link
 * RemoteCodeSandboxes}): results, files kept per job, timeouts, expiry, release, and refusals.
 */
class RemoteCodeToolTest {

  private static final String KEY = "tools-test-key-0123456789";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  static Path base;
  static SandboxServer server;
  static RemoteCodeSandboxes remote;
  static JobWorkspaces workspaces;

  @BeforeAll
  static void start() throws IOException {
    base = Files.createTempDirectory(Path.of("/tmp"), "fathom-tools-sandbox-test-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
    Path root = base.resolve("root");
    SandboxSetup.Report report = SandboxSetup.check(SandboxConfig.defaults(root));
    assumeTrue(report.ready(), () -> "sandbox prerequisites missing (run sandbox/setup.sh as root):\n" + report.describe());
    server = new SandboxServer(SandboxServerOptions.defaults(root, base.resolve("data")).withApiKey(KEY)
        .withCgroupParent("fathom-tools-test"));
    remote = new RemoteCodeSandboxes(server.baseUrl() + "/", KEY);
    workspaces = new JobWorkspaces(remote, Schedulers.boundedElastic());
  }

  @AfterAll
  static void stop() throws IOException {
    if (workspaces != null) {
      workspaces.close();
    }
    if (remote != null) {
      remote.close();
    }
    if (server != null) {
      server.close();
    }
    if (base != null) {
      Files.walkFileTree(base, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    }
  }

  private static ToolResult call(CodeTool tool, UUID job, String field, String source) {
    var args = JSON.createObjectNode().put(field, source);
    return tool.call(args, new ToolContext(job, "tenant", "call", Instant.now().plusSeconds(120))).block();
  }

  private static String text(ToolResult r) {
    assertThat(r).isInstanceOf(ToolResult.Success.class);
    return ((ToolResult.Success) r).text();
  }

  @Test
  void pythonAndBashRunOnTheServerAndKeepTheJobsFiles() {
    CodeTool python = CodeTool.python(workspaces, Schedulers.boundedElastic(), Duration.ofSeconds(60));
    CodeTool bash = CodeTool.bash(workspaces, Schedulers.boundedElastic(), Duration.ofSeconds(60));
    UUID job = UUID.randomUUID();
    String out = text(call(python, job, "code", "import os\nopen('a.txt', 'w').write('kept')\nprint(6 * 7, os.getcwd())"));
    assertThat(out).startsWith("exit code 0").contains("--- stdout ---\n42 /workspace\n");
    assertThat(text(call(bash, job, "command", "cat a.txt; echo oops >&2; exit 3")))
        .startsWith("exit code 3").contains("kept").contains("--- stderr ---\noops");
    assertThat(server.sandboxes().list()).hasSize(1);

    UUID other = UUID.randomUUID();
    assertThat(text(call(bash, other, "command", "ls -A | wc -l"))).contains("--- stdout ---\n0\n");
    assertThat(server.sandboxes().list()).hasSize(2);

    workspaces.release(job);
    workspaces.release(other);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!server.sandboxes().list().isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(server.sandboxes().list()).as("released sandboxes are destroyed on the server").isEmpty();
  }

  @Test
  void timeoutsAreClippedToTheSandboxAndReported() {
    CodeTool bash = CodeTool.bash(workspaces, Schedulers.boundedElastic(), Duration.ofSeconds(1));
    UUID job = UUID.randomUUID();
    assertThat(text(call(bash, job, "command", "sleep 20"))).contains("killed: it ran past its time limit");
    CodeTool long_ = CodeTool.bash(workspaces, Schedulers.boundedElastic(), Duration.ofMinutes(10));
    assertThat(text(call(long_, job, "command", "echo fine")))
        .as("a timeout above the sandbox's 30 s is clipped, not refused").startsWith("exit code 0");
    workspaces.release(job);
  }

  @Test
  void anExpiredSandboxIsReplacedAndFilesTravelBothWays() throws Exception {
    UUID job = UUID.randomUUID();
    workspaces.write(job, "in/data.txt", "from the tool side".getBytes(StandardCharsets.UTF_8));
    assertThat(workspaces.exec(job, ExecRequest.bash("cat in/data.txt > out.txt")).exitCode()).isZero();
    assertThat(new String(workspaces.read(job, "out.txt"), StandardCharsets.UTF_8)).isEqualTo("from the tool side");
    assertThatThrownBy(() -> workspaces.read(job, "missing.txt")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> workspaces.read(job, "../etc/passwd")).isInstanceOf(CodeSandboxException.class)
        .hasMessageContaining("'..'");

    server.sandboxes().list().forEach(s -> server.sandboxes().destroy(s.id())); // as the idle sweep would
    var r = workspaces.exec(job, ExecRequest.bash("ls -A | wc -l"));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).as("a fresh, empty workspace").isEqualTo("0\n");
    workspaces.release(job);
  }

  @Test
  void refusalsBecomeToolFailures() {
    try (RemoteCodeSandboxes wrongKey = new RemoteCodeSandboxes(server.baseUrl(), "not-the-key-0123456789");
        RemoteCodeSandboxes nobody = new RemoteCodeSandboxes("http://127.0.0.1:1", KEY)) {
      for (RemoteCodeSandboxes s : new RemoteCodeSandboxes[] {wrongKey, nobody}) {
        JobWorkspaces ws = new JobWorkspaces(s, Schedulers.boundedElastic());
        ToolResult r = call(CodeTool.python(ws, Schedulers.boundedElastic(), Duration.ofSeconds(5)), UUID.randomUUID(),
            "code", "print(1)");
        assertThat(r).isInstanceOfSatisfying(ToolResult.Failure.class, f -> {
          assertThat(f.code()).isEqualTo("sandbox_error");
          assertThat(f.message()).containsAnyOf("API key", "cannot reach");
        });
      }
    }
    assertThatThrownBy(() -> new RemoteCodeSandboxes("ftp://x", KEY)).isInstanceOf(IllegalArgumentException.class);
  }
}
