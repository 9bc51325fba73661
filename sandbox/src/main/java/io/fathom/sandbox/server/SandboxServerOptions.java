package io.fathom.sandbox.server;

import io.fathom.common.auth.ApiKeyOptions;
import io.fathom.common.cli.CommandLine;
import io.fathom.common.cli.OptionValues;
import io.fathom.sandbox.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sandbox server's command line ({@link #USAGE}).
 *
 * @param host the address to listen on
 * @param port the port ({@code 0} picks a free one)
 * @param apiKeys the keys callers must send as {@code Authorization: Bearer KEY} ({@code --api-key}, else
 *     {@code FATHOM_SANDBOX_API_KEY}, comma-separated), none ({@code --no-api-key}), or a key generated into
 *     {@code --api-key-file} (default {@code $FATHOM_DATA_DIR/sandbox-api-key}) or read from it
 * @param root the sandboxes' root directory (see {@link io.fathom.sandbox.SandboxConfig#root()})
 * @param cgroupParent the cgroup under each controller that holds the executions
 * @param idleTimeout a sandbox unused this long is destroyed by the periodic sweep ({@link Duration#ZERO}: never)
 * @param maxSandboxes live sandboxes at most; beyond, creation answers 429
 * @param maxArgs the most {@code cmd} entries of one execution
 * @param maxConcurrent blocking operations (executions, file transfers, creations) in flight at most; beyond, 503
 * @param ceiling the largest limits a sandbox may ask for; its file size is also the largest upload
 * @param defaultLimits the limits of a sandbox created without a body (the built-in defaults, clipped to the ceiling)
 */
public record SandboxServerOptions(
    String host,
    int port,
    ApiKeyOptions apiKeys,
    Path root,
    String cgroupParent,
    Duration idleTimeout,
    int maxSandboxes,
    int maxArgs,
    int maxConcurrent,
    Limits ceiling,
    Limits defaultLimits) {

  /** The environment variable with the keys (comma-separated) when no {@code --api-key} is given. */
  public static final String KEY_VARIABLE = "FATHOM_SANDBOX_API_KEY";

  /** The generated key's file name, in {@code $FATHOM_DATA_DIR} (default {@code ./data}). */
  public static final String KEY_FILE_NAME = "sandbox-api-key";

  /** The default port. */
  public static final int DEFAULT_PORT = 8090;

  private static final long MIB = 1024L * 1024L;

  public static final String USAGE =
      """
      usage: ./fathom sandbox [options]     (io.fathom.sandbox.server.SandboxServerMain; runs as root)
        --host HOST            the address to listen on (default 127.0.0.1; 0.0.0.0 for other machines)
        --port N               the port (default 8090; 0 picks a free one)
        --api-key KEY          a key callers send as "Authorization: Bearer KEY" (16 to 512 characters;
                               repeatable or comma-separated; default: $FATHOM_SANDBOX_API_KEY, comma-separated).
                               Without either, a random key is generated once into --api-key-file
        --api-key-file FILE    where the generated key is kept, mode 600 (default: $FATHOM_DATA_DIR/sandbox-api-key,
                               else ./data/sandbox-api-key)
        --no-api-key           serve every request without a key (local experiments only)
        --root DIR             the sandboxes' workspaces and state (default: /var/lib/fathom-sandbox-server)
        --idle-timeout D       destroy a sandbox unused this long (default 15m; 0 never; e.g. 90s, 1h, PT5M)
        --max-sandboxes N      live sandboxes at most (default 64)
        --max-args N           cmd entries of one execution at most (default 4096)
        --max-concurrent N     executions and file transfers in flight at most (default 256)
        --max-memory SIZE      a sandbox's memory at most (default 8g; sizes: 512m, 2g, bytes)
        --max-pids N           a sandbox's tasks at most (default 4096)
        --max-cpus N           a sandbox's CPU quota in cores at most (default 16)
        --max-cpu-seconds N    a process's CPU seconds at most (default 3600)
        --max-file-bytes SIZE  a file a sandbox writes, and an upload, at most (default 64m)
        --max-open-files N     a process's open files at most (default 65536)
        --max-output-bytes SIZE  stdout and stderr kept of one execution, each, at most (default 16m)
        --max-timeout D        one execution's wall time at most (default 10m)
      A sandbox created without a body gets 512 MiB, 128 tasks, 1 core, 30 s per execution, 64 KiB of
      output (each clipped to the maxima above).
      """;

  public SandboxServerOptions {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
    }
    if (maxSandboxes < 1 || maxArgs < 1 || maxConcurrent < 1) {
      throw new IllegalArgumentException("--max-sandboxes, --max-args and --max-concurrent must be at least 1");
    }
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("--idle-timeout must not be negative");
    }
    if (apiKeys == null) {
      throw new IllegalArgumentException("the API key options are missing");
    }
    defaultLimits.requireWithin(ceiling);
  }

  /** The defaults with {@code root}, a free port on loopback and a generated key in {@code dataDir} (tests). */
  public static SandboxServerOptions defaults(Path root, Path dataDir) {
    return parse(new String[] {"--root", root.toString(), "--port", "0"}, Map.of("FATHOM_DATA_DIR", dataDir.toString()));
  }

  public SandboxServerOptions withApiKey(String key) {
    return new SandboxServerOptions(host, port, ApiKeyOptions.of(key), root, cgroupParent, idleTimeout,
        maxSandboxes, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withCgroupParent(String parent) {
    return new SandboxServerOptions(host, port, apiKeys, root, parent, idleTimeout,
        maxSandboxes, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withIdleTimeout(Duration d) {
    return new SandboxServerOptions(host, port, apiKeys, root, cgroupParent, d,
        maxSandboxes, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withMaxSandboxes(int n) {
    return new SandboxServerOptions(host, port, apiKeys, root, cgroupParent, idleTimeout,
        n, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withMaxArgs(int n) {
    return new SandboxServerOptions(host, port, apiKeys, root, cgroupParent, idleTimeout,
        maxSandboxes, n, maxConcurrent, ceiling, defaultLimits);
  }

  /** Parses the command line with the process environment. */
  public static SandboxServerOptions parse(String[] args) {
    return parse(args, System.getenv());
  }

  /**
   * Parses the command line with {@code env} standing for the environment ({@code
   * FATHOM_SANDBOX_API_KEY}, {@code FATHOM_DATA_DIR}).
   *
   * @throws io.fathom.common.cli.HelpRequested on {@code --help}
   * @throws IllegalArgumentException naming the option and its bound when an option is malformed
   */
  public static SandboxServerOptions parse(String[] args, Map<String, String> env) {
    String host = "127.0.0.1";
    int port = DEFAULT_PORT;
    List<String> keys = new ArrayList<>();
    boolean noKey = false;
    String dataDir = env.getOrDefault("FATHOM_DATA_DIR", "");
    Path keyFile = Path.of(dataDir.isBlank() ? "./data" : dataDir.strip()).resolve(KEY_FILE_NAME);
    Path root = Path.of("/var/lib/fathom-sandbox-server");
    Duration idle = Duration.ofMinutes(15);
    int maxSandboxes = 64;
    int maxArgs = 4096;
    int maxConcurrent = 256;
    long memory = 8L << 30;
    int pids = 4096;
    double cpus = 16;
    int cpuSeconds = 3600;
    long fileBytes = 64 * MIB;
    int openFiles = 65536;
    long outputBytes = 16 * MIB;
    Duration timeout = Duration.ofMinutes(10);
    for (CommandLine.Option option : CommandLine.parse(args, Set.of("--no-api-key"))) {
      String flag = option.flag();
      String value = option.value();
      switch (flag) {
        case "--no-api-key" -> noKey = true;
        case "--host" -> host = value;
        case "--port" -> port = (int) OptionValues.integer(flag, value, 0, 65535);
        case "--api-key" -> keys.add(value);
        case "--api-key-file" -> keyFile = Path.of(value);
        case "--root" -> root = Path.of(value);
        case "--idle-timeout" -> idle = OptionValues.duration(flag, value, true);
        case "--max-sandboxes" -> maxSandboxes = (int) OptionValues.integer(flag, value, 1, 100_000);
        case "--max-args" -> maxArgs = (int) OptionValues.integer(flag, value, 1, 1_000_000);
        case "--max-concurrent" -> maxConcurrent = (int) OptionValues.integer(flag, value, 1, 100_000);
        case "--max-memory" -> memory = OptionValues.size(flag, value, 1, Long.MAX_VALUE);
        case "--max-pids" -> pids = (int) OptionValues.integer(flag, value, 8, 1 << 22);
        case "--max-cpus" -> cpus = OptionValues.positive(flag, value, 1024);
        case "--max-cpu-seconds" -> cpuSeconds = (int) OptionValues.integer(flag, value, 1, Integer.MAX_VALUE);
        case "--max-file-bytes" -> fileBytes = OptionValues.size(flag, value, 1, Long.MAX_VALUE);
        case "--max-open-files" -> openFiles = (int) OptionValues.integer(flag, value, 16, 1 << 20);
        case "--max-output-bytes" -> outputBytes = OptionValues.size(flag, value, 1, Integer.MAX_VALUE);
        case "--max-timeout" -> timeout = OptionValues.duration(flag, value, false);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    ApiKeyOptions auth = ApiKeyOptions.fromCommandLine(keys, noKey, keyFile, KEY_VARIABLE, env);
    Limits ceiling;
    try {
      ceiling = new Limits(memory, pids, cpus, cpuSeconds, fileBytes, openFiles, (int) outputBytes, timeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a --max-* option is too small: " + e.getMessage(), e);
    }
    return new SandboxServerOptions(host, port, auth, root, "fathom-server", idle, maxSandboxes, maxArgs,
        maxConcurrent, ceiling, clip(Limits.defaults(), ceiling));
  }

  /** {@code limits} with every component lowered to the ceiling's where it is above. */
  static Limits clip(Limits limits, Limits ceiling) {
    return new Limits(
        Math.min(limits.memoryBytes(), ceiling.memoryBytes()),
        Math.min(limits.pids(), ceiling.pids()),
        ceiling.cpuQuota() > 0 ? Math.min(limits.cpuQuota(), ceiling.cpuQuota()) : limits.cpuQuota(),
        Math.min(limits.cpuSeconds(), ceiling.cpuSeconds()),
        Math.min(limits.fileSizeBytes(), ceiling.fileSizeBytes()),
        Math.min(limits.openFiles(), ceiling.openFiles()),
        Math.min(limits.outputCapBytes(), ceiling.outputCapBytes()),
        limits.wallTimeout().compareTo(ceiling.wallTimeout()) > 0 ? ceiling.wallTimeout() : limits.wallTimeout());
  }
}
