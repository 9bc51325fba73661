package io.fathom.sandbox.server;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.LimitExceededException;
import io.fathom.sandbox.Limits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads the JSON bodies of the sandbox API into sandbox objects, refusing anything wrong with a
 * {@link Problem} that names the field and, for a value over a limit, the limit.
 *
 * <p>{@code POST /v1/sandboxes}: {@code {"memory_bytes", "pids", "cpu_quota", "cpu_seconds",
 * "file_size_bytes", "open_files", "output_cap_bytes", "wall_timeout_s"}}, each optional (the
 * server's default), each at most the server's maximum. {@code POST /v1/sandboxes/{id}/exec}: {@code
 * {"cmd": [argv...], "stdin"?: string, "timeout_s"?: number, "env"?: {name: value}}}.
 */
final class SandboxRequests {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Set<String> RESERVED_ENV = Set.of("PATH", "HOME", "LANG", "TMPDIR", "USER", "LOGNAME");
  private static final Set<String> LIMIT_FIELDS = Set.of("memory_bytes", "pids", "cpu_quota", "cpu_seconds",
      "file_size_bytes", "open_files", "output_cap_bytes", "wall_timeout_s");
  private static final Set<String> EXEC_FIELDS = Set.of("cmd", "stdin", "timeout_s", "env");

  private SandboxRequests() {}

  /** The limits a creation body asks for ({@code null} or empty body: {@code defaults}). */
  static Limits limits(JsonNode body, Limits defaults, Limits ceiling) {
    if (body == null) {
      return defaults;
    }
    if (!body.isObject()) {
      throw Problem.badRequest("body", "the body must be a JSON object of limits");
    }
    for (String name : body.propertyNames()) {
      if (!LIMIT_FIELDS.contains(name)) {
        throw Problem.badRequest(name, "unknown field '" + name + "'; known: " + LIMIT_FIELDS);
      }
    }
    long memory = integer(body, "memory_bytes", defaults.memoryBytes(), 16L << 20, ceiling.memoryBytes());
    long pids = integer(body, "pids", defaults.pids(), 8, ceiling.pids());
    double cpu = defaults.cpuQuota();
    if (body.has("cpu_quota")) {
      JsonNode n = body.get("cpu_quota");
      double max = ceiling.cpuQuota() > 0 ? ceiling.cpuQuota() : 1024;
      if (!n.isNumber() || !(n.asDouble() > 0)) {
        throw Problem.badRequest("cpu_quota", "cpu_quota must be a positive number of cores");
      }
      if (n.asDouble() > max) {
        throw Problem.overLimit("cpu_quota", (long) Math.ceil(max),
            "cpu_quota " + n.asDouble() + " exceeds the maximum of " + max + " cores");
      }
      cpu = n.asDouble();
    }
    long cpuSeconds = integer(body, "cpu_seconds", defaults.cpuSeconds(), 1, ceiling.cpuSeconds());
    long fileSize = integer(body, "file_size_bytes", defaults.fileSizeBytes(), 1024, ceiling.fileSizeBytes());
    long openFiles = integer(body, "open_files", defaults.openFiles(), 16, ceiling.openFiles());
    long output = integer(body, "output_cap_bytes", defaults.outputCapBytes(), 256, ceiling.outputCapBytes());
    Duration wall = defaults.wallTimeout();
    if (body.has("wall_timeout_s")) {
      wall = seconds(body.get("wall_timeout_s"), "wall_timeout_s", ceiling.wallTimeout());
    }
    if (wall.toMillis() < 100) {
      throw Problem.badRequest("wall_timeout_s", "wall_timeout_s must be at least 0.1");
    }
    return new Limits(memory, (int) pids, cpu, (int) cpuSeconds, fileSize, (int) openFiles, (int) output, wall);
  }

  /** The execution an exec body asks for, within the sandbox's {@code limits}. */
  static ExecRequest exec(JsonNode body, Limits limits, int maxArgs) {
    if (body == null || !body.isObject()) {
      throw Problem.badRequest("body", "the body must be a JSON object with a \"cmd\" array");
    }
    for (String name : body.propertyNames()) {
      if (!EXEC_FIELDS.contains(name)) {
        throw Problem.badRequest(name, "unknown field '" + name + "'; known: " + EXEC_FIELDS);
      }
    }
    JsonNode cmd = body.get("cmd");
    if (cmd == null || !cmd.isArray()) {
      throw Problem.badRequest("cmd", "cmd must be an array of strings: the program and its arguments");
    }
    if (cmd.isEmpty()) {
      throw Problem.badRequest("cmd", "cmd is empty: name a program to run");
    }
    if (cmd.size() > maxArgs) {
      throw Problem.overLimit("cmd", maxArgs, "cmd has " + cmd.size() + " entries, more than the limit of " + maxArgs);
    }
    List<String> argv = new ArrayList<>(cmd.size());
    for (int i = 0; i < cmd.size(); i++) {
      JsonNode a = cmd.get(i);
      if (!a.isString()) {
        throw Problem.badRequest("cmd[" + i + "]", "cmd[" + i + "] must be a string");
      }
      if (a.asString().indexOf('\0') >= 0) {
        throw Problem.badRequest("cmd[" + i + "]", "cmd[" + i + "] must not contain NUL characters");
      }
      argv.add(a.asString());
    }
    if (argv.getFirst().isEmpty()) {
      throw Problem.badRequest("cmd[0]", "cmd[0] must name a program");
    }
    String stdin = null;
    if (body.has("stdin") && !body.get("stdin").isNull()) {
      if (!body.get("stdin").isString()) {
        throw Problem.badRequest("stdin", "stdin must be a string");
      }
      stdin = body.get("stdin").asString();
    }
    Duration timeout = null;
    if (body.has("timeout_s") && !body.get("timeout_s").isNull()) {
      timeout = seconds(body.get("timeout_s"), "timeout_s", limits.wallTimeout());
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (body.has("env") && !body.get("env").isNull()) {
      JsonNode e = body.get("env");
      if (!e.isObject()) {
        throw Problem.badRequest("env", "env must be an object of string values");
      }
      for (var entry : e.properties()) {
        String name = entry.getKey();
        String field = "env." + name;
        if (!ENV_NAME.matcher(name).matches()) {
          throw Problem.badRequest(field, "env name '" + name + "' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
        }
        if (RESERVED_ENV.contains(name) || name.startsWith("LD_")) {
          throw Problem.badRequest(field, "env name '" + name + "' is reserved by the sandbox");
        }
        if (!entry.getValue().isString()) {
          throw Problem.badRequest(field, field + " must be a string");
        }
        env.put(name, entry.getValue().asString());
      }
    }
    try {
      return new ExecRequest(argv, stdin, timeout, env);
    } catch (LimitExceededException e) {
      String field = e.limit().equals("stdinBytes") ? "stdin" : "cmd";
      throw Problem.overLimit(field, e.max(), e.getMessage());
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest(e.getMessage().startsWith("env") ? "env" : "cmd", e.getMessage());
    }
  }

  private static long integer(JsonNode body, String field, long fallback, long min, long max) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw Problem.badRequest(field, field + " must be an integer");
    }
    long v = n.asLong();
    if (v < min) {
      throw Problem.badRequest(field, field + " must be at least " + min + ", got " + v);
    }
    if (v > max) {
      throw Problem.overLimit(field, max, field + " " + v + " exceeds the maximum of " + max);
    }
    return v;
  }

  /** A positive number of seconds (fractions allowed), at most {@code max}. */
  private static Duration seconds(JsonNode n, String field, Duration max) {
    if (!n.isNumber() || !(n.asDouble() > 0) || Double.isInfinite(n.asDouble())) {
      throw Problem.badRequest(field, field + " must be a positive number of seconds");
    }
    double s = n.asDouble();
    if (s * 1000 > max.toMillis()) {
      throw Problem.overLimit(field, max.toSeconds(),
          field + " " + n + " exceeds the maximum of " + max.toMillis() / 1000.0 + " seconds");
    }
    long ms = Math.max(1, Math.round(s * 1000));
    return Duration.ofMillis(ms);
  }
}
