package io.fathom.worker;

import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.cpu.WeightFormat;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.model.ModelPresets;
import io.fathom.worker.auth.ApiKeyOptions;
import io.fathom.worker.model.LoadedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        --max-request-bytes N    the largest request body (default 64 MiB)
        --quantize none|int8     int8 weights in blocks of 32 with a scale each, lm_head included (default none)
        --kv-cache-dtype bf16|f32  how keys and values are cached (default bf16: 64 KiB a token for Nanbeige4.1-3B)
        --api-key KEY            a key callers must send as "Authorization: Bearer KEY" (at least 16 characters;
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
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
    }
    if (threads < 1 || blockSize < 1 || maxTokensPerStep < 1 || maxRunningSequences < 1 || kvCacheTokens < 0
        || maxRequestBytes < 1024) {
      throw new IllegalArgumentException("a numeric option is out of range");
    }
    if (kvCacheDtype == null) {
      throw new IllegalArgumentException("the KV cache dtype is missing");
    }
    if (apiKeys == null) {
      throw new IllegalArgumentException("the API key options are missing");
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
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException("");
      }
      if (flag.equals("--no-api-key")) {
        if (value != null) {
          throw new IllegalArgumentException("--no-api-key takes no value");
        }
        noKey = true;
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = args[++i];
      }
      switch (flag) {
        case "--model" -> model = Path.of(value);
        case "--dummy", "--load-format-dummy" -> dummy = value;
        case "--dummy-dir" -> dummyDir = Path.of(value);
        case "--seed" -> seed = number(flag, value);
        case "--host" -> host = value;
        case "--port" -> port = (int) number(flag, value);
        case "--served-model-name" -> name = value;
        case "--session-ttl" -> ttl = duration(flag, value);
        case "--threads" -> threads = (int) number(flag, value);
        case "--kv-cache-tokens" -> kv = number(flag, value);
        case "--block-size" -> block = (int) number(flag, value);
        case "--max-tokens-per-step" -> perStep = (int) number(flag, value);
        case "--max-running" -> running = (int) number(flag, value);
        case "--chat-template" -> template = switch (value) {
          case "builtin" -> LoadedModel.TemplateChoice.BUILTIN;
          case "model" -> LoadedModel.TemplateChoice.MODEL;
          default -> throw new IllegalArgumentException("--chat-template must be builtin or model, got " + value);
        };
        case "--max-request-bytes" -> maxBytes = number(flag, value);
        case "--quantize" -> format = WeightFormat.fromOption(value);
        case "--kv-cache-dtype" -> kvDtype = KvDtype.fromOption(value);
        case "--api-key" -> {
          List<String> given = keyList(flag, value);
          if (given.isEmpty()) {
            throw new IllegalArgumentException("--api-key needs a key");
          }
          keys.addAll(given);
        }
        case "--api-key-file" -> keyFile = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    String fromEnv = env.getOrDefault(KEYS_VARIABLE, "");
    if (keys.isEmpty() && !fromEnv.isBlank()) {
      if (noKey) {
        throw new IllegalArgumentException(KEYS_VARIABLE + " is set: unset it or drop --no-api-key");
      }
      keys.addAll(keyList(KEYS_VARIABLE, fromEnv));
    }
    if (noKey && !keys.isEmpty()) {
      throw new IllegalArgumentException("give either --api-key or --no-api-key, not both");
    }
    ApiKeyOptions auth = noKey ? ApiKeyOptions.none() : new ApiKeyOptions(keys, false, keyFile);
    return new WorkerOptions(model, dummy, dummyDir, seed, host, port, name, ttl, threads, kv, block, perStep, running,
        template, maxBytes, format, kvDtype, auth);
  }

  /** Comma-separated keys, each checked ({@code source} names the option or variable in errors). */
  private static List<String> keyList(String source, String value) {
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      String key = part.strip();
      if (!key.isEmpty()) {
        ApiKeyOptions.check(source, key);
        out.add(key);
      }
    }
    return out;
  }

  private static long number(String flag, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + value + "'");
    }
  }

  /** {@code 90s}, {@code 10m}, {@code 2h}, {@code 500ms} or ISO-8601 ({@code PT10M}). */
  static Duration duration(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> Duration.ofSeconds(Long.parseLong(v));
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(flag + " must be a duration such as 90s, 10m or PT10M, got '" + value + "'");
    }
  }
}
