package io.fathom.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One program to run in a sandbox.
 *
 * @param argv the program and its arguments; {@code argv[0]} is looked up on the sandbox's {@code
 *     PATH} ({@code /usr/local/bin:/usr/bin:/bin}) inside the sandbox
 * @param stdin bytes (UTF-8) fed to the program's stdin, then closed; {@code null} means empty
 * @param timeout the wall-clock deadline; {@code null} means the sandbox's {@link
 *     Limits#wallTimeout()}, and a longer one is clipped to it
 * @param env extra environment variables; names must match {@code [A-Za-z_][A-Za-z0-9_]*} and must
 *     not override the fixed {@code PATH}, {@code HOME}, {@code LANG}, {@code TMPDIR}, {@code USER}
 *     nor set dynamic-loader variables ({@code LD_*})
 */
public record ExecRequest(List<String> argv, String stdin, Duration timeout, Map<String, String> env) {

  /** Largest stdin accepted. */
  public static final int MAX_STDIN_BYTES = 8 * 1024 * 1024;
  /** Largest total size of argv plus env. */
  public static final int MAX_ARGS_BYTES = 1024 * 1024;

  static final Set<String> FIXED_ENV = Set.of("PATH", "HOME", "LANG", "TMPDIR", "USER", "LOGNAME");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  public ExecRequest {
    if (argv == null || argv.isEmpty() || argv.getFirst().isEmpty()) {
      throw new IllegalArgumentException("argv must name a program");
    }
    argv = List.copyOf(argv);
    stdin = stdin == null ? "" : stdin;
    env = env == null ? Map.of() : Map.copyOf(env);
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    long size = 0;
    for (String a : argv) {
      if (a.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("argv must not contain NUL characters");
      }
      size += a.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    for (var e : env.entrySet()) {
      String name = e.getKey();
      if (!ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("env name '" + name + "' is not a valid variable name");
      }
      if (FIXED_ENV.contains(name) || name.startsWith("LD_")) {
        throw new IllegalArgumentException("env name '" + name + "' is reserved by the sandbox");
      }
      if (e.getValue().indexOf('\0') >= 0) {
        throw new IllegalArgumentException("env value of '" + name + "' must not contain NUL characters");
      }
      size += name.length() + e.getValue().getBytes(StandardCharsets.UTF_8).length + 2;
    }
    if (size > MAX_ARGS_BYTES) {
      throw new LimitExceededException("argsBytes", MAX_ARGS_BYTES,
          "argv and env take " + size + " bytes, more than the limit of " + MAX_ARGS_BYTES);
    }
    if (stdin.length() > MAX_STDIN_BYTES / 3 && stdin.getBytes(StandardCharsets.UTF_8).length > MAX_STDIN_BYTES) {
      throw new LimitExceededException("stdinBytes", MAX_STDIN_BYTES,
          "stdin is larger than the limit of " + MAX_STDIN_BYTES + " bytes");
    }
  }

  /** A program with arguments, no stdin, the sandbox's timeout, no extra env. */
  public static ExecRequest of(String... argv) {
    return new ExecRequest(List.of(argv), null, null, null);
  }

  /** {@code python3 -c code}. */
  public static ExecRequest python(String code) {
    return of("python3", "-c", code);
  }

  /** {@code bash -c script}. */
  public static ExecRequest bash(String script) {
    return of("bash", "-c", script);
  }

  public ExecRequest withTimeout(Duration t) {
    return new ExecRequest(argv, stdin, t, env);
  }

  public ExecRequest withStdin(String s) {
    return new ExecRequest(argv, s, timeout, env);
  }

  public ExecRequest withEnv(Map<String, String> e) {
    return new ExecRequest(argv, stdin, timeout, e);
  }
}
