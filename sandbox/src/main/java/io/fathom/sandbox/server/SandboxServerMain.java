package io.fathom.sandbox.server;

import io.fathom.common.cli.HelpRequested;
import io.fathom.sandbox.SandboxUnavailableException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the sandbox server ({@code ./fathom sandbox}, as root after {@code sandbox/setup.sh}):
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp … io.fathom.sandbox.server.SandboxServerMain --port 8090
 * </pre>
 *
 * See {@link SandboxServerOptions#USAGE} for the options. Logs go to stderr through Logback with the
 * server's own configuration ({@code io/fathom/sandbox/server/logback.xml}) unless {@code
 * -Dlogback.configurationFile} names another.
 */
public final class SandboxServerMain {

  private SandboxServerMain() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "io/fathom/sandbox/server/logback.xml");
    }
    SandboxServerOptions options;
    try {
      options = SandboxServerOptions.parse(args);
    } catch (HelpRequested help) {
      System.out.print(SandboxServerOptions.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(SandboxServerOptions.USAGE);
      System.exit(2);
      return;
    }
    Logger log = LoggerFactory.getLogger(SandboxServerMain.class);
    long start = System.nanoTime();
    SandboxServer server;
    try {
      server = new SandboxServer(options);
    } catch (SandboxUnavailableException e) {
      log.error("{}", e.getMessage());
      System.exit(3);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
      server.close();
      stopped.countDown();
    }));
    log.info("fathom sandbox server on {} in {} ms: root {}, at most {} sandboxes, idle expiry {}, key {}",
        server.baseUrl(), (System.nanoTime() - start) / 1_000_000, options.root(), options.maxSandboxes(),
        options.idleTimeout().isZero() ? "off" : options.idleTimeout(),
        options.apiKeys().disabled() ? "none (--no-api-key)" : "required");
    stopped.await();
  }
}
