package io.fathom.api.support;

import io.fathom.api.FathomApplication;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Service instances as separate processes (the test's classpath), killed with SIGKILL on demand. */
public final class Replicas implements AutoCloseable {

  private final List<Process> processes = new ArrayList<>();
  private final String key;

  public Replicas(String key) {
    this.key = key;
  }

  /** Starts instance {@code name} with {@code env}, its data under {@code dir/name}; waits for its health. */
  public Http start(String name, Path dir, Map<String, String> env) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
            FathomApplication.class.getName());
    pb.environment().putAll(env);
    pb.environment().put("FATHOM_PORT", Integer.toString(port));
    pb.environment().put("FATHOM_INSTANCE_ID", name);
    pb.environment().put("FATHOM_DATA_DIR", dir.resolve(name).toString());
    File log = new File("target/replica-" + name + ".log");
    pb.redirectErrorStream(true).redirectOutput(log);
    Process p = pb.start();
    processes.add(p);
    Http http = new Http("http://127.0.0.1:" + port, key);
    Instant end = Instant.now().plusSeconds(90);
    while (Instant.now().isBefore(end)) {
      if (!p.isAlive()) {
        throw new AssertionError("replica " + name + " exited; see " + log.getAbsolutePath());
      }
      try {
        if (http.get("/health").status() == 200) {
          return http;
        }
      } catch (RuntimeException notYet) {
        // not listening yet
      }
      sleep(200);
    }
    throw new AssertionError("replica " + name + " did not start; see " + log.getAbsolutePath());
  }

  /** SIGKILLs the {@code index}-th started instance and waits for it to die. */
  public void kill(int index) throws InterruptedException {
    Process victim = processes.get(index);
    victim.destroyForcibly();
    victim.waitFor();
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
