package io.fathom.worker;

import io.fathom.common.auth.ApiKeyOptions;
import io.fathom.common.cli.CommandLine;
import io.fathom.common.cli.OptionValues;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.cpu.WeightFormat;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.model.ModelPresets;
import io.fathom.worker.model.LoadedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The worker's command line.
 *
 * @param modelDir a Hugging Face model directory, or null with {@code dummyPreset}
 * @param dummyPreset a preset name whose random checkpoint is written (once) under {@code dummyDir}
 * @param servedModelName the name in {@code /v1/models} and responses (default: the directory's or preset's name)
 * @param threads forward-pass threads (the engine thread included)
 * @param kvCacheTokens tokens the KV cache holds; 0: the model's context, at most what 1 GiB holds (but at least one context of 4096)
 * @param maxRequestBytes the largest request body accepted
 * @param kvCacheDtype how the KV cache stores keys and values (bf16 by default, f32 on request)
 * @param apiKeys the keys callers must send as {@code Authorization: Bearer KEY} (every route but {@code /health})
 */
public record WorkerOptions(
    Path modelDir,
    String dummyPreset,
    Path dummyDir,
    long dummySeed,
    String host,
    int port,
    String servedModelName,
    Duration sessionTtl,
    int threads,
    long kvCacheTokens,
    int blockSize,
    int maxTokensPerStep,
    int maxRunningSequences,
    LoadedModel.TemplateChoice template,
    long maxRequestBytes,
    WeightFormat weightFormat,
    KvDtype kvCacheDtype,
    ApiKeyOptions apiKeys) {

  /** The environment variable with the worker's keys (comma-separated) when no {@code --api-key} is given. */
  public static final String KEYS_VARIABLE = "FATHOM_WORKER_API_KEYS";

  /** The generated key's file name, in {@code $FATHOM_DATA_DIR} (default {@code ./data}). */
  public static final String KEY_FILE_NAME = "worker-api-key";

  static final int MAX_THREADS = 1024;
  static final long MAX_KV_CACHE_TOKENS = 1L << 31;
  static final int MAX_BLOCK_SIZE = 4096;
  static final int MAX_TOKENS_PER_STEP = 1 << 20;
  static final int MAX_RUNNING = 65536;
  static final long MIN_REQUEST_BYTES = 1024;
  static final long MAX_REQUEST_BYTES = Integer.MAX_VALUE;

  public static final String USAGE =
      """
      usage: WorkerMain (--model DIR | --dummy tiny|small|nanbeige4.1-3b) [options]
        --model DIR              a Hugging Face model directory (config.json, safetensors, tokenizer.json)
        --dummy PRESET           random weights of a preset's shape and a synthetic tokenizer
        --dummy-dir DIR          where dummy models are written once and reused (default: $TMPDIR/fathom-dummy)
        --seed N                 the dummy weights' seed (default 1)
        --host HOST              the address to listen on (default 127.0.0.1)
        --port N                 the port (default 8000; 0 picks a free one)
        --served-model-name NAME the model name in /v1/models and responses
        --session-ttl DURATION   how long a session's prefix stays pinned after its request (default 10m; e.g. 90s, 1h, PT5M)
        --threads N              forward-pass threads (default: the available processors)
        --kv-cache-tokens N      KV cache size in tokens (default: the context, within 1 GiB)
        --block-size N           KV block size in tokens (default 16)
        --max-tokens-per-step N  the engine's token budget per step (default 512)
        --max-running N          the most sequences running at once (default 64)
        --chat-template builtin|model  the built-in Nanbeige renderer (default) or the model's Jinja template
        --max-request-bytes SIZE the largest request body (default 64m; 1k to 2g, e.g. 512k, 16m)
        --quantize none|int8     int8 weights in blocks of 32 with a scale each, lm_head included (default none)
        --kv-cache-dtype bf16|f32  how keys and values are cached (default bf16: 64 KiB a token for Nanbeige4.1-3B)
        --api-key KEY            a key callers must send as "Authorization: Bearer KEY" (16 to 512 characters;
                                 repeatable or comma-separated; default: $FATHOM_WORKER_API_KEYS, comma-separated).
                                 Without either, a random key is generated once into --api-key-file
        --api-key-file FILE      where the generated key is kept, mode 600 (default: $FATHOM_DATA_DIR/worker-api-key,
                                 else ./data/worker-api-key)
        --no-api-key             serve every request without a key (local experiments only)
      """;

  public WorkerOptions {
    if ((modelDir == null) == (dummyPreset == null)) {
      throw new IllegalArgumentException("give exactly one of --model DIR and --dummy PRESET");
    }
    if (dummyPreset != null && !ModelPresets.names().contains(dummyPreset)) {
      throw new IllegalArgumentException("--dummy: unknown preset '" + dummyPreset + "'; known: " + ModelPresets.names());
    }
    within("--port", port, 0, 65535);
    within("--threads", threads, 1, MAX_THREADS);
    within("--kv-cache-tokens", kvCacheTokens, 0, MAX_KV_CACHE_TOKENS);
    within("--block-size", blockSize, 1, MAX_BLOCK_SIZE);
    within("--max-tokens-per-step", maxTokensPerStep, 1, MAX_TOKENS_PER_STEP);
    within("--max-running", maxRunningSequences, 1, MAX_RUNNING);
    within("--max-request-bytes", maxRequestBytes, MIN_REQUEST_BYTES, MAX_REQUEST_BYTES);
    if (sessionTtl == null || sessionTtl.isNegative()) {
      throw new IllegalArgumentException("--session-ttl must be zero or more, got " + sessionTtl);
    }
    if (kvCacheDtype == null) {
      throw new IllegalArgumentException("the KV cache dtype is missing");
    }
    if (apiKeys == null) {
      throw new IllegalArgumentException("the API key options are missing");
    }
  }

  private static void within(String flag, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(flag + " must be in " + min + ".." + max + ", got " + value);
    }
  }

  /**
   * Defaults for a dummy preset (tests). A key is asked as always: generated into {@code dummyDir/worker-api-key}
   * unless {@link #withApiKeys} gives one.
   */
  public static WorkerOptions dummy(String preset, Path dummyDir) {
    return new WorkerOptions(
        null, preset, dummyDir, 1, "127.0.0.1", 0, null, Duration.ofMinutes(10),
        Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())), 0, KvLayout.DEFAULT_BLOCK_SIZE, 512, 64,
        LoadedModel.TemplateChoice.BUILTIN, 64L << 20, WeightFormat.AS_STORED, KvDtype.BF16,
        ApiKeyOptions.generatedIn(dummyDir.resolve(KEY_FILE_NAME)));
  }

  public WorkerOptions withPort(int value) {
    return new WorkerOptions(modelDir, dummyPreset, dummyDir, dummySeed, host, value, servedModelName, sessionTtl,
        threads, kvCacheTokens, blockSize, maxTokensPerStep, maxRunningSequences, template, maxRequestBytes, weightFormat, kvCacheDtype,
        apiKeys);
  }

  public WorkerOptions withKvCacheTokens(long value) {
    return new WorkerOptions(modelDir, dummyPreset, dummyDir, dummySeed, host, port, servedModelName, sessionTtl,
        threads, value, blockSize, maxTokensPerStep, maxRunningSequences, template, maxRequestBytes, weightFormat, kvCacheDtype,
        apiKeys);
  }

  public WorkerOptions withSessionTtl(Duration value) {
    return new WorkerOptions(modelDir, dummyPreset, dummyDir, dummySeed, host, port, servedModelName, value,
        threads, kvCacheTokens, blockSize, maxTokensPerStep, maxRunningSequences, template, maxRequestBytes, weightFormat, kvCacheDtype,
        apiKeys);
  }

  public WorkerOptions withKvCacheDtype(KvDtype value) {
    return new WorkerOptions(modelDir, dummyPreset, dummyDir, dummySeed, host, port, servedModelName, sessionTtl,
        threads, kvCacheTokens, blockSize, maxTokensPerStep, maxRunningSequences, template, maxRequestBytes, weightFormat, value,
        apiKeys);
  }

  public WorkerOptions withMaxRequestBytes(long value) {
    return new WorkerOptions(modelDir, dummyPreset, dummyDir, dummySeed, host, port, servedModelName, sessionTtl,
        threads, kvCacheTokens, blockSize, maxTokensPerStep, maxRunningSequences, template, value, weightFormat, kvCacheDtype, apiKeys);
  }

  /** Exactly these keys are accepted. */
  public WorkerOptions withApiKeys(String... keys) {
    return withApiKeys(ApiKeyOptions.of(keys));
  }

  public WorkerOptions withApiKeys(ApiKeyOptions value) {
    return new WorkerOptions(modelDir, dummyPreset, dummyDir, dummySeed, host, port, servedModelName, sessionTtl,
        threads, kvCacheTokens, blockSize, maxTokensPerStep, maxRunningSequences, template, maxRequestBytes, weightFormat,
        kvCacheDtype, value);
  }

  /** Parses the command line; keys may also come from {@code FATHOM_WORKER_API_KEYS}. */
  public static WorkerOptions parse(String[] args) {
    return parse(args, System.getenv());
  }

  /**
   * Parses the command line with {@code env} standing for the environment ({@code FATHOM_WORKER_API_KEYS},
   * {@code FATHOM_DATA_DIR}).
   *
   * @throws io.fathom.common.cli.HelpRequested on {@code --help}
   * @throws IllegalArgumentException naming the option and its bound when an option is malformed
   */
  public static WorkerOptions parse(String[] args, Map<String, String> env) {
    Path model = null;
    String dummy = null;
    Path dummyDir = Path.of(System.getProperty("java.io.tmpdir"), "fathom-dummy");
    long seed = 1;
    String host = "127.0.0.1";
    int port = 8000;
    String name = null;
    Duration ttl = Duration.ofMinutes(10);
    int threads = Runtime.getRuntime().availableProcessors();
    long kv = 0;
    int block = KvLayout.DEFAULT_BLOCK_SIZE;
    int perStep = 512;
    int running = 64;
    LoadedModel.TemplateChoice template = LoadedModel.TemplateChoice.BUILTIN;
    long maxBytes = 64L << 20;
    WeightFormat format = WeightFormat.AS_STORED;
    KvDtype kvDtype = KvDtype.BF16;
    List<String> keys = new ArrayList<>();
    boolean noKey = false;
    String dataDir = env.getOrDefault("FATHOM_DATA_DIR", "");
    Path keyFile = Path.of(dataDir.isBlank() ? "./data" : dataDir.strip()).resolve(KEY_FILE_NAME);
    for (CommandLine.Option option : CommandLine.parse(args, Set.of("--no-api-key"))) {
      String flag = option.flag();
      String value = option.value();
      switch (flag) {
        case "--no-api-key" -> noKey = true;
        case "--model" -> model = Path.of(value);
        case "--dummy", "--load-format-dummy" -> dummy = value;
        case "--dummy-dir" -> dummyDir = Path.of(value);
        case "--seed" -> seed = OptionValues.integer(flag, value, Long.MIN_VALUE, Long.MAX_VALUE);
        case "--host" -> host = value;
        case "--port" -> port = (int) OptionValues.integer(flag, value, 0, 65535);
        case "--served-model-name" -> name = value;
        case "--session-ttl" -> ttl = OptionValues.duration(flag, value, true);
        case "--threads" -> threads = (int) OptionValues.integer(flag, value, 1, MAX_THREADS);
        case "--kv-cache-tokens" -> kv = OptionValues.integer(flag, value, 0, MAX_KV_CACHE_TOKENS);
        case "--block-size" -> block = (int) OptionValues.integer(flag, value, 1, MAX_BLOCK_SIZE);
        case "--max-tokens-per-step" -> perStep = (int) OptionValues.integer(flag, value, 1, MAX_TOKENS_PER_STEP);
        case "--max-running" -> running = (int) OptionValues.integer(flag, value, 1, MAX_RUNNING);
        case "--chat-template" -> template = switch (value) {
          case "builtin" -> LoadedModel.TemplateChoice.BUILTIN;
          case "model" -> LoadedModel.TemplateChoice.MODEL;
          default -> throw new IllegalArgumentException("--chat-template must be builtin or model, got '" + value + "'");
        };
        case "--max-request-bytes" -> maxBytes = OptionValues.size(flag, value, MIN_REQUEST_BYTES, MAX_REQUEST_BYTES);
        case "--quantize" -> format = WeightFormat.fromOption(value);
        case "--kv-cache-dtype" -> kvDtype = KvDtype.fromOption(value);
        case "--api-key" -> keys.add(value);
        case "--api-key-file" -> keyFile = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    ApiKeyOptions auth = ApiKeyOptions.fromCommandLine(keys, noKey, keyFile, KEYS_VARIABLE, env);
    return new WorkerOptions(model, dummy, dummyDir, seed, host, port, name, ttl, threads, kv, block, perStep, running,
        template, maxBytes, format, kvDtype, auth);
  }
}
