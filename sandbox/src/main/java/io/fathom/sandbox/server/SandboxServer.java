package io.fathom.sandbox.server;

import io.fathom.common.auth.ApiKeyOptions;
import io.fathom.common.auth.BearerKeys;
import io.fathom.common.auth.KeyFile;
import io.fathom.sandbox.SandboxConfig;
import io.fathom.sandbox.Sandboxes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The sandbox server: a {@link Sandboxes} registry behind a small REST API ({@link SandboxRoutes})
 * on Reactor Netty, so that orchestrators on other machines (or in containers that cannot run
 * bubblewrap) run their {@code python} and {@code bash} tools here ({@code FATHOM_SANDBOX_URL}).
 *
 * <p>Start-up checks the machine and prepares the registry exactly as the in-process sandboxes do
 * (a missing prerequisite fails with the command that fixes it), resolves the API key ({@code
 * --api-key}, {@code FATHOM_SANDBOX_API_KEY}, else one generated into {@code
 * $FATHOM_DATA_DIR/sandbox-api-key}, mode 600, whose path — never the key — is logged), binds, and
 * starts a sweep that destroys sandboxes idle for longer than {@link SandboxServerOptions#idleTimeout()}
 * ({@link Sandboxes#expireIdle}), every quarter of that time (between 100 ms and a minute). {@link
 * #close()} stops listening and destroys every sandbox.
 */
public final class SandboxServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SandboxServer.class);

  private final SandboxServerOptions options;
  private final Sandboxes sandboxes;
  private final BlockingWork work;
  private final ScheduledExecutorService sweeper;
  private final Optional<KeyFile> keyFile;
  private final DisposableServer server;

  /**
   * @throws io.fathom.sandbox.SandboxUnavailableException when the machine cannot run sandboxes
   */
  public SandboxServer(SandboxServerOptions options) {
    this.options = options;
    if (options.apiKeys().disabled()) {
      log.warn("--no-api-key: the sandbox server runs code for anyone who can reach {}:{}", options.host(), options.port());
    }
    ApiKeyOptions.Resolved resolved = options.apiKeys().resolve();
    BearerKeys keys = resolved.keys();
    keyFile = resolved.file();
    keyFile.ifPresent(file -> log.info(
        "API key {} {} (mode 600); clients send it as 'Authorization: Bearer <key>' (FATHOM_SANDBOX_API_KEY)",
        file.created() ? "generated into" : "read from", file.file().toAbsolutePath()));
    SandboxConfig d = SandboxConfig.defaults(options.root());
    SandboxConfig config = new SandboxConfig(d.root(), d.userName(), d.bwrap(), d.prlimit(), d.setpriv(), d.shell(),
        d.cgroupRoot(), options.cgroupParent(), d.etcFiles(), Duration.ZERO, options.defaultLimits(), options.ceiling());
    this.sandboxes = new Sandboxes(config);
    this.work = new BlockingWork(options.maxConcurrent());
    this.sweeper = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("sandbox-idle-sweep").unstarted(r));
    try {
      SandboxRoutes routes = new SandboxRoutes(sandboxes, keys, work, options);
      this.server = HttpServer.create().host(options.host()).port(options.port()).handle(routes::dispatch)
          .bindNow(Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      work.close();
      sweeper.shutdownNow();
      sandboxes.close();
      throw e;
    }
    if (!options.idleTimeout().isZero()) {
      long every = Math.clamp(options.idleTimeout().toMillis() / 4, 100, 60_000);
      sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    try {
      int n = sandboxes.expireIdle(options.idleTimeout());
      if (n > 0) {
        log.info("destroyed {} sandbox(es) idle for more than {}", n, options.idleTimeout());
      }
    } catch (RuntimeException e) {
      log.warn("the idle sandbox sweep failed", e);
    }
  }

  public int port() {
    return server.port();
  }

  public String host() {
    return server.host();
  }

  /** {@code http://host:port}. */
  public String baseUrl() {
    String h = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
    return "http://" + h + ":" + server.port();
  }

  /** The registry behind the API. */
  public Sandboxes sandboxes() {
    return sandboxes;
  }

  /** The generated (or read) key's file, when the key came from one. */
  public Optional<KeyFile> keyFile() {
    return keyFile;
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
    sweeper.shutdownNow();
    work.close();
    sandboxes.close();
  }
}
