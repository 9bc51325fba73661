package io.fathom.worker;

import io.fathom.engine.runtime.EngineConfig;
import io.fathom.common.auth.ApiKeyOptions;
import io.fathom.common.auth.BearerKeys;
import io.fathom.worker.engine.EngineLoop;
import io.fathom.worker.engine.Generator;
import io.fathom.worker.http.WorkerHttp;
import io.fathom.worker.metrics.WorkerMetrics;
import io.fathom.worker.model.DummyModels;
import io.fathom.worker.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * A running worker: the model, the engine loop and the HTTP server. Closing stops all three. Every route but
 * {@code /health} asks for one of the API keys of {@link WorkerOptions#apiKeys()}.
 */
public final class Worker implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Worker.class.getName());

  /** The KV cache a default configuration may take. */
  public static final long DEFAULT_KV_CACHE_BYTES = 1L << 30;

  private final LoadedModel model;
  private final Generator generator;
  private final WorkerHttp http;

  private Worker(LoadedModel model, Generator generator, WorkerHttp http) {
    this.model = model;
    this.generator = generator;
    this.http = http;
  }

  public static Worker start(WorkerOptions options) throws IOException {
    return start(options, UnaryOperator.identity());
  }

  /**
   * Starts a worker whose generator is {@code decorate} applied to the engine loop (tests put a scripted
   * generator in front).
   */
  public static Worker start(WorkerOptions options, UnaryOperator<Generator> decorate) throws IOException {
    BearerKeys keys = keys(options.apiKeys());
    Path dir = options.modelDir();
    String name = options.servedModelName();
    if (options.dummyPreset() != null) {
      dir = DummyModels.prepare(options.dummyPreset(), options.dummyDir(), options.dummySeed());
      if (name == null) {
        name = "dummy-" + options.dummyPreset();
      }
    }
    if (name == null) {
      Path file = dir.toAbsolutePath().normalize().getFileName();
      name = file == null ? "model" : file.toString();
    }
    LoadedModel model = LoadedModel.open(dir, name, options.template());
    Generator generator = null;
    try {
      long cacheTokens = options.kvCacheTokens();
      if (cacheTokens == 0) {
        long bytesPerToken =
            io.fathom.engine.kv.KvLayout.of(model.config(), options.blockSize(), options.kvCacheDtype()).bytesPerToken();
        cacheTokens = Math.max(
            Math.min(4096, model.config().maxPositionEmbeddings()),
            Math.min(model.config().maxPositionEmbeddings(), DEFAULT_KV_CACHE_BYTES / bytesPerToken));
      }
      EngineConfig config =
          new EngineConfig(options.maxTokensPerStep(), options.maxRunningSequences(), options.sessionTtl());
      generator = decorate.apply(
          new EngineLoop(
              model.checkpoint(), config, options.threads(), options.blockSize(), options.kvCacheDtype(), cacheTokens,
              options.weightFormat()));
      WorkerHttp http =
          new WorkerHttp(model, generator, new WorkerMetrics(), keys, options.host(), options.port(), options.maxRequestBytes());
      return new Worker(model, generator, http);
    } catch (RuntimeException e) {
      if (generator != null) {
        generator.close();
      }
      model.close();
      throw e;
    }
  }

  /**
   * The keys requests need: those given, or the one kept in the key file (generated there on first start). The
   * key itself is never logged, only where it is.
   */
  private static BearerKeys keys(ApiKeyOptions options) {
    if (options.disabled()) {
      LOG.warning("--no-api-key: every request is served without an API key; for local experiments only");
    }
    ApiKeyOptions.Resolved resolved = options.resolve();
    resolved.file().ifPresent(file -> LOG.info((file.created() ? "Generated an API key into " : "Using the API key in ")
        + file.file().toAbsolutePath() + " (mode 600); callers send it as \"Authorization: Bearer KEY\""));
    return resolved.keys();
  }

  public int port() {
    return http.port();
  }

  /** {@code http://host:port}. */
  public String baseUrl() {
    return "http://" + http.host() + ":" + http.port();
  }

  public LoadedModel model() {
    return model;
  }

  public Generator generator() {
    return generator;
  }

  @Override
  public void close() {
    http.close();
    generator.close();
    model.close();
  }
}
