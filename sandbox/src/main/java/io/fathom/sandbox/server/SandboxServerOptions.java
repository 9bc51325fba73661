package io.fathom.sandbox.server;

import io.fathom.sandbox.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/**
 * The sandbox server's command line ({@link #USAGE}).
 *
 * @param host the address to listen on
 * @param port the port ({@code 0} picks a free one)
 * @param apiKey the key callers must send as {@code Authorization: Bearer KEY} ({@code --api-key}, else
 *     {@code FATHOM_SANDBOX_API_KEY}); null: a key generated into {@code apiKeyFile} (or read from it)
 * @param apiKeyFile where a generated key is kept (mode 600); default {@code $FATHOM_DATA_DIR/sandbox-api-key}
 * @param noApiKey serve every request without a key (local experiments only)
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
    String apiKey,
    Path apiKeyFile,
    boolean noApiKey,
    Path root,
    String cgroupParent,
    Duration idleTimeout,
    int maxSandboxes,
    int maxArgs,
    int maxConcurrent,
    Limits ceiling,
    Limits defaultLimits) {

  /** The environment variable with the key when no {@code --api-key} is given. */
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
        --api-key KEY          the key callers send as "Authorization: Bearer KEY" (at least 16 characters;
                               default: $FATHOM_SANDBOX_API_KEY). Without either, a random key is generated once
                               into --api-key-file
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
    if (apiKey != null && noApiKey) {
      throw new IllegalArgumentException("give either --api-key (or " + KEY_VARIABLE + ") or --no-api-key, not both");
    }
    if (apiKey != null) {
      ApiKeys.check("--api-key", apiKey);
    }
    if (apiKey == null && !noApiKey && apiKeyFile == null) {
      throw new IllegalArgumentException("no API key and no file to keep a generated one in");
    }
    defaultLimits.requireWithin(ceiling);
  }

  /** The defaults with {@code root}, a free port on loopback and a generated key in {@code dataDir} (tests). */
  public static SandboxServerOptions defaults(Path root, Path dataDir) {
    return parse(new String[] {"--root", root.toString(), "--port", "0"}, Map.of("FATHOM_DATA_DIR", dataDir.toString()));
  }

  public SandboxServerOptions withApiKey(String key) {
    return new SandboxServerOptions(host, port, key, apiKeyFile, false, root, cgroupParent, idleTimeout,
        maxSandboxes, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withCgroupParent(String parent) {
    return new SandboxServerOptions(host, port, apiKey, apiKeyFile, noApiKey, root, parent, idleTimeout,
        maxSandboxes, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withIdleTimeout(Duration d) {
    return new SandboxServerOptions(host, port, apiKey, apiKeyFile, noApiKey, root, cgroupParent, d,
        maxSandboxes, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withMaxSandboxes(int n) {
    return new SandboxServerOptions(host, port, apiKey, apiKeyFile, noApiKey, root, cgroupParent, idleTimeout,
        n, maxArgs, maxConcurrent, ceiling, defaultLimits);
  }

  public SandboxServerOptions withMaxArgs(int n) {
    return new SandboxServerOptions(host, port, apiKey, apiKeyFile, noApiKey, root, cgroupParent, idleTimeout,
        maxSandboxes, n, maxConcurrent, ceiling, defaultLimits);
  }

  /** Parses the command line with the process environment. */
  public static SandboxServerOptions parse(String[] args) {
    return parse(args, System.getenv());
  }

  /**
   * Parses the command line with {@code env} standing for the environment ({@code
   * FATHOM_SANDBOX_API_KEY}, {@code FATHOM_DATA_DIR}). {@code --help} throws an exception with an empty
   * message.
   */
  public static SandboxServerOptions parse(String[] args, Map<String, String> env) {
    String host = "127.0.0.1";
    int port = DEFAULT_PORT;
    String key = null;
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
        case "--host" -> host = value;
        case "--port" -> port = (int) number(flag, value, 0, 65535);
        case "--api-key" -> key = value.strip();
        case "--api-key-file" -> keyFile = Path.of(value);
        case "--root" -> root = Path.of(value);
        case "--idle-timeout" -> idle = value.strip().equals("0") ? Duration.ZERO : duration(flag, value);
        case "--max-sandboxes" -> maxSandboxes = (int) number(flag, value, 1, 100_000);
        case "--max-args" -> maxArgs = (int) number(flag, value, 1, 1_000_000);
        case "--max-concurrent" -> maxConcurrent = (int) number(flag, value, 1, 100_000);
        case "--max-memory" -> memory = size(flag, value);
        case "--max-pids" -> pids = (int) number(flag, value, 8, 1 << 22);
        case "--max-cpus" -> cpus = decimal(flag, value);
        case "--max-cpu-seconds" -> cpuSeconds = (int) number(flag, value, 1, Integer.MAX_VALUE);
        case "--max-file-bytes" -> fileBytes = size(flag, value);
        case "--max-open-files" -> openFiles = (int) number(flag, value, 16, 1 << 20);
        case "--max-output-bytes" -> outputBytes = Math.min(size(flag, value), Integer.MAX_VALUE);
        case "--max-timeout" -> timeout = duration(flag, value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    String fromEnv = env.getOrDefault(KEY_VARIABLE, "").strip();
    if (key == null && !fromEnv.isEmpty() && !noKey) {
      ApiKeys.check(KEY_VARIABLE, fromEnv);
      key = fromEnv;
    }
    Limits ceiling;
    try {
      ceiling = new Limits(memory, pids, cpus, cpuSeconds, fileBytes, openFiles, (int) outputBytes, timeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a --max-* option is too small: " + e.getMessage(), e);
    }
    return new SandboxServerOptions(host, port, key, keyFile, noKey, root, "fathom-server", idle, maxSandboxes,
        maxArgs, maxConcurrent, ceiling, clip(Limits.defaults(), ceiling));
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

  private static long number(String flag, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + value + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(flag + " must be in " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  private static double decimal(String flag, String value) {
    try {
      double d = Double.parseDouble(value.strip());
      if (!(d > 0 && d <= 1024)) {
        throw new IllegalArgumentException(flag + " must be in (0, 1024], got " + value);
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number, got '" + value + "'");
    }
  }

  /** Bytes, or a number with {@code k}, {@code m} or {@code g} (powers of 1024). */
  static long size(String flag, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (!v.isEmpty() && "kmg".indexOf(v.charAt(v.length() - 1)) >= 0) {
      unit = 1L << (10 * ("kmg".indexOf(v.charAt(v.length() - 1)) + 1));
      v = v.substring(0, v.length() - 1);
    }
    try {
      long n = Long.parseLong(v);
      if (n < 1 || n > Long.MAX_VALUE / unit) {
        throw new IllegalArgumentException(flag + " is out of range: " + value);
      }
      return n * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a size such as 512m, 2g or a byte count, got '" + value + "'");
    }
  }

  /** {@code 90s}, {@code 10m}, {@code 2h}, {@code 500ms} or ISO-8601 ({@code PT10M}). */
  static Duration duration(String flag, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (v.startsWith("p")) {
        d = Duration.parse(v.toUpperCase(Locale.ROOT));
      } else if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        d = switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofSeconds(Long.parseLong(v));
        };
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(flag + " must be positive, got '" + value + "'");
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(flag + " must be a duration such as 90s, 10m or PT10M, got '" + value + "'");
    }
  }
}
