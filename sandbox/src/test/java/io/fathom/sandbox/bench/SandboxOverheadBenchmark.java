package io.fathom.sandbox.bench;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.Limits;
import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.SandboxConfig;
import io.fathom.sandbox.SandboxSetup;
import io.fathom.sandbox.Sandboxes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sandbox overhead: p50/p99 of 50 sandboxed {@code python3 -c pass} against the same program
 * started directly, of 50 sandboxed {@code /bin/true} (the pure cost of cgroups + prlimit + setpriv
 * + bwrap + seccomp), and a 100-call agent-like session in one sandbox (python and bash calls
 * interleaved with file API writes and reads). Needs root and {@code sandbox/setup.sh}. Run:
 *
 * <pre>
 * ./mvnw -B -o -q -pl sandbox test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java --enable-native-access=ALL-UNNAMED -cp sandbox/target/classes:sandbox/target/test-classes:$(cat sandbox/target/cp.txt) \
 *     io.fathom.sandbox.bench.SandboxOverheadBenchmark
 * </pre>
 */
public final class SandboxOverheadBenchmark {

  private SandboxOverheadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    Path base = Files.createTempDirectory(Path.of("/tmp"), "fathom-sandbox-bench-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
    SandboxConfig config = SandboxConfig.defaults(base.resolve("root")).withCgroupParent("fathom-bench")
        .withIdleTimeout(Duration.ZERO);
    SandboxSetup.Report report = SandboxSetup.check(config);
    if (!report.ready()) {
      System.out.print(report.describe());
      System.exit(1);
    }
    System.out.printf("sandbox overhead benchmark: %d cores, %s, %d runs each%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"), runs);
    try (Sandboxes sandboxes = new Sandboxes(config)) {
      Sandbox s = sandboxes.create(Limits.defaults());
      for (int i = 0; i < 5; i++) {
        check(s.exec(ExecRequest.python("pass")));
        direct("/usr/bin/python3", "-c", "pass");
      }
      List<Double> directPy = new ArrayList<>();
      List<Double> sandboxPy = new ArrayList<>();
      List<Double> sandboxTrue = new ArrayList<>();
      List<Double> directTrue = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        directPy.add(direct("/usr/bin/python3", "-c", "pass"));
        sandboxPy.add(timed(() -> check(s.exec(ExecRequest.python("pass")))));
        directTrue.add(direct("/bin/true"));
        sandboxTrue.add(timed(() -> check(s.exec(ExecRequest.of("/bin/true")))));
      }
      print("python3 -c pass, direct      ", directPy);
      print("python3 -c pass, sandboxed   ", sandboxPy);
      print("/bin/true, direct            ", directTrue);
      print("/bin/true, sandboxed         ", sandboxTrue);
      System.out.printf("sandbox overhead (p50): %.1f ms per execution%n", p(sandboxTrue, 50) - p(directTrue, 50));

      Sandbox session = sandboxes.create(Limits.defaults());
      List<Double> calls = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        int n = i;
        calls.add(timed(() -> {
          switch (n % 4) {
            case 0 -> session.write("src/mod" + n + ".py", ("X = " + n + "\n").getBytes(StandardCharsets.UTF_8));
            case 1 -> check(session.exec(ExecRequest.python(
                "import sys; sys.path.insert(0, 'src'); import mod" + (n - 1) + " as m; print(m.X * 2)")));
            case 2 -> check(session.exec(ExecRequest.bash("ls src | wc -l; grep -c X src/*.py | tail -1")));
            default -> session.read("src/mod" + (n - 3) + ".py");
          }
          return null;
        }));
      }
      double total = (System.nanoTime() - t0) / 1e6;
      System.out.printf("100-call session (25 writes, 25 python, 25 bash, 25 reads): total %.0f ms, mean %.1f ms/call%n",
          total, total / 100);
      print("session calls                ", calls);
    } finally {
      deleteTree(base);
    }
  }

  private interface Call {
    Object run() throws Exception;
  }

  private static double timed(Call c) throws Exception {
    long t = System.nanoTime();
    c.run();
    return (System.nanoTime() - t) / 1e6;
  }

  private static ExecResult check(ExecResult r) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException("exit " + r.exitCode() + ": " + r.stderr());
    }
    return r;
  }

  private static double direct(String... cmd) throws Exception {
    long t = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed");
    }
    return (System.nanoTime() - t) / 1e6;
  }

  private static double p(List<Double> xs, int pct) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int i = (int) Math.ceil(pct / 100.0 * s.size()) - 1;
    return s.get(Math.max(0, Math.min(s.size() - 1, i)));
  }

  private static void print(String label, List<Double> xs) {
    System.out.printf("%s n=%d  p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms%n", label, xs.size(), p(xs, 50), p(xs, 99),
        Collections.max(xs));
  }

  private static void deleteTree(Path p) throws Exception {
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
