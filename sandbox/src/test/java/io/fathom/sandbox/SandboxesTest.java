package io.fathom.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SandboxesTest {

  static Path root;
  static Sandboxes sandboxes;

  @BeforeAll
  static void start() throws IOException {
    root = TestSandboxes.newRoot();
    SandboxConfig config = TestSandboxes.config(root);
    TestSandboxes.assumeReady(config);
    sandboxes = new Sandboxes(config);
  }

  @AfterAll
  static void stop() throws IOException {
    if (sandboxes != null) {
      sandboxes.close();
    }
    if (root != null) {
      TestSandboxes.deleteTree(root.getParent());
    }
  }

  @Test
  void eachSandboxHasItsOwnPrivateWorkspace() throws Exception {
    Sandbox a = sandboxes.create();
    Sandbox b = sandboxes.create();
    assertThat(a.id()).isNotEqualTo(b.id()).hasSize(24);
    assertThat(a.workspace().getParent()).isEqualTo(root.resolve("ws"));
    assertThat(Files.getPosixFilePermissions(a.workspace())).hasSize(3); // rwx------
    a.write("x.txt", "A".getBytes(StandardCharsets.UTF_8));
    assertThat(b.exec(ExecRequest.bash("ls -A /workspace")).stdout()).isEmpty();
    assertThat(sandboxes.get(a.id())).containsSame(a);
    sandboxes.destroy(a.id());
    sandboxes.destroy(b.id());
  }

  @Test
  void destroyDeletesTheWorkspaceAndRefusesFurtherUse() throws Exception {
    Sandbox s = sandboxes.create();
    s.write("f", new byte[] {1, 2, 3});
    Path ws = s.workspace();
    assertThat(sandboxes.destroy(s.id())).isTrue();
    assertThat(ws).doesNotExist();
    assertThat(s.isDestroyed()).isTrue();
    assertThat(sandboxes.get(s.id())).isEmpty();
    assertThatThrownBy(() -> s.exec(ExecRequest.bash("true"))).isInstanceOf(SandboxClosedException.class);
    assertThatThrownBy(() -> s.read("f")).isInstanceOf(SandboxClosedException.class);
    assertThat(sandboxes.destroy(s.id())).isFalse();
  }

  @Test
  void destroyKillsARunningExecution() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withWallTimeout(Duration.ofSeconds(30)));
    try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<ExecResult> f = exec.submit(() -> s.exec(ExecRequest.bash("sleep 25")));
      Thread.sleep(500);
      long t0 = System.nanoTime();
      sandboxes.destroy(s.id());
      ExecResult r = f.get();
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
      assertThat(r.exitCode()).isEqualTo(137);
    }
    assertThat(s.workspace()).doesNotExist();
  }

  @Test
  void idleSandboxesExpire() throws Exception {
    Sandbox idle = sandboxes.create();
    Thread.sleep(300);
    Sandbox fresh = sandboxes.create();
    assertThat(sandboxes.expireIdle(Duration.ofMillis(200))).isGreaterThanOrEqualTo(1);
    assertThat(idle.isDestroyed()).isTrue();
    assertThat(fresh.isDestroyed()).isFalse();
    sandboxes.destroy(fresh.id());
  }

  @Test
  void manyConcurrentCallersOnVirtualThreads() throws Exception {
    List<Sandbox> boxes = List.of(sandboxes.create(), sandboxes.create(), sandboxes.create(), sandboxes.create());
    try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<ExecResult>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        Sandbox s = boxes.get(i % boxes.size());
        int n = i;
        results.add(exec.submit(() -> s.exec(ExecRequest.bash("echo " + n + " >> log; wc -l < log"))));
      }
      for (Future<ExecResult> f : results) {
        assertThat(f.get().exitCode()).isZero();
      }
    }
    for (Sandbox s : boxes) {
      assertThat(new String(s.read("log"), StandardCharsets.UTF_8).lines()).hasSize(4);
      sandboxes.destroy(s.id());
    }
  }

  @Test
  void limitsAboveTheCeilingAreRefusedByName() {
    assertThatThrownBy(() -> sandboxes.create(Limits.defaults().withMemoryBytes(64L << 30)))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("memoryBytes")
        .extracting(e -> ((LimitExceededException) e).limit()).isEqualTo("memoryBytes");
    assertThatThrownBy(() -> sandboxes.create(Limits.defaults().withWallTimeout(Duration.ofHours(2))))
        .hasMessageContaining("wallTimeoutMs");
    assertThatThrownBy(() -> Limits.defaults().withPids(1)).hasMessageContaining("pids");
  }

  @Test
  void pathComponentsAreChecked() {
    assertThat(Sandbox.components("a/./b//c/")).containsExactly("a", "b", "c");
    assertThat(Sandbox.components("")).isEmpty();
    assertThatThrownBy(() -> Sandbox.components("/etc/passwd")).hasMessageContaining("absolute");
    assertThatThrownBy(() -> Sandbox.components("a/../../x")).hasMessageContaining("'..'");
    assertThatThrownBy(() -> Sandbox.components("a\0b")).hasMessageContaining("NUL");
  }
}
