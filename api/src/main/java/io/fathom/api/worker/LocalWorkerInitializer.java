package io.fathom.api.worker;

import io.fathom.common.auth.BearerKeys;
import io.fathom.worker.Worker;
import io.fathom.worker.WorkerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The one-box set-up: when {@code FATHOM_MODEL} names a model directory or a dummy preset ({@code
 * tiny}, {@code small}, {@code nanbeige4.1-3b}) and no {@code FATHOM_INFERENCE_URLS} is given, an
 * inference worker starts inside this JVM, on a free loopback port, before the service's beans;
 * {@code fathom.inference-urls} then points at it (for a preset the tokenizer comes from the
 * worker), and it stops with the service. The worker asks for an API key as any worker does: a
 * fresh random one, kept in memory only (no key file) and set as {@code fathom.inference-api-key}
 * for the model client. Registered in {@code META-INF/spring.factories}.
 */
public final class LocalWorkerInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

  private static final Logger log = LoggerFactory.getLogger(LocalWorkerInitializer.class);

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    ConfigurableEnvironment env = context.getEnvironment();
    String model = env.getProperty("fathom.model.dir", "").strip();
    String urls = env.getProperty("fathom.inference-urls", "").strip();
    if (model.isEmpty() || !urls.isEmpty()) {
      return;
    }
    boolean directory = Files.isDirectory(Path.of(model));
    String key = BearerKeys.generate();
    WorkerOptions options =
        WorkerOptions.parse(
            directory
                ? new String[] {"--model", model, "--port", "0", "--api-key", key}
                : new String[] {"--dummy", model, "--port", "0", "--api-key", key, "--dummy-dir",
                    Path.of(env.getProperty("fathom.data-dir", "./data"), "models-dummy").toString()});
    Worker worker;
    try {
      worker = Worker.start(options);
    } catch (IOException e) {
      throw new UncheckedIOException("FATHOM_MODEL=" + model + ": the inference worker cannot start: " + e.getMessage(), e);
    }
    Map<String, Object> local = new HashMap<>();
    local.put("fathom.inference-urls", worker.baseUrl() + "/v1");
    local.put("fathom.inference-api-key", key);
    if (!directory) {
      local.put("fathom.model.dir", ""); // a preset has no directory: the tokenizer comes from the worker
    }
    env.getPropertySources().addFirst(new MapPropertySource("fathom-local-worker", local));
    context.getBeanFactory().registerSingleton("localInferenceWorker", worker);
    context.addApplicationListener((ApplicationListener<ContextClosedEvent>) event -> worker.close());
    log.info("Inference worker for {} started in this JVM at {}", model, worker.baseUrl());
  }
}
