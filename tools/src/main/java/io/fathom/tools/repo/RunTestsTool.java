package io.fathom.tools.repo;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.Sandbox;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code run_tests}: runs the repository's tests in the job's sandbox (cwd {@code /workspace}) —
 * {@link RepoToolSettings#testCommand()} or the call's {@code command} — for at most {@link
 * RepoToolSettings#testTimeout()} (and the sandbox's own limit, and the call's deadline), and
 * returns the exit code and the output. Failing tests are a successful call that says so. Output
 * over the budget keeps its beginning and, larger, its end (where test runners print the summary).
 * Not idempotent: tests may write files.
 */
public final class RunTestsTool extends RepoTool {

  public static final String NAME = "run_tests";

  private static final int MAX_ARGS = 256;

  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "command": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 256,
          "description": "Optional program and arguments to run instead of the default test command (%s), e.g. [\\"python3\\", \\"-m\\", \\"pytest\\", \\"-q\\", \\"tests/test_x.py\\"]"}
      }, "additionalProperties": false}""";

  /** Over the job's sandbox with {@link Schedulers#boundedElastic()}. */
  public RunTestsTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    this(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox work runs */
  public RunTestsTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    super(NAME, "Run the repository's tests in /workspace (default: " + String.join(" ", settings.testCommand())
        + "; or give command as an argv array). Returns the exit code and the test output.",
        SCHEMA.formatted(String.join(" ", settings.testCommand()).replace("\\", "\\\\").replace("\"", "\\\"")),
        false, sandboxes, settings, blocking);
  }

  @Override
  ToolResult run(RepoArguments args, ToolContext context) throws Exception {
    List<String> command = args.strings("command", MAX_ARGS).orElse(settings.testCommand());
    Sandbox sandbox = sandbox(context);
    ExecRequest request;
    try {
      request = new ExecRequest(command, null, clip(settings.testTimeout(), context.deadline()),
          Map.of("PYTHONDONTWRITEBYTECODE", "1", "PYTHONIOENCODING", "utf-8:replace"));
    } catch (IllegalArgumentException e) {
      throw RepoToolException.invalid("command", e.getMessage());
    }
    ExecResult r = sandbox.exec(request);
    StringBuilder b = new StringBuilder();
    b.append("$ ").append(String.join(" ", command)).append('\n');
    b.append("exit code ").append(r.exitCode());
    if (r.timedOut()) {
      b.append(" (killed: the tests ran past their time limit)");
    } else if (r.exitCode() == 0) {
      b.append(" (passed)");
    } else if (r.exitCode() == 127 || r.stderr().startsWith("bwrap: execvp ")) {
      b.append(" (the command could not be started: not found)");
    } else {
      b.append(" (failed)");
    }
    b.append('\n');
    int budget = settings.outputChars() - b.length() - 64;
    String out = r.stdout();
    String err = r.stderr();
    int errBudget = err.isEmpty() ? 0 : Math.min(err.length(), Math.max(budget / 3, budget - out.length()));
    b.append("--- output ---\n").append(headAndTail(out, budget - errBudget));
    if (!err.isEmpty()) {
      b.append("\n--- stderr ---\n").append(headAndTail(err, errBudget));
    }
    if (r.truncated()) {
      b.append("\n[output cut at the sandbox's output limit]");
    }
    return new ToolResult.Success(b.toString(), Map.of("exitCode", r.exitCode(), "timedOut", r.timedOut()));
  }

  /** {@code text} cut to {@code budget} characters: a quarter from its start, the rest from its end. */
  static String headAndTail(String text, int budget) {
    if (text.length() <= budget) {
      return text;
    }
    String note = "\n[... " + (text.length() - budget) + " characters cut ...]\n";
    int keep = Math.max(0, budget - note.length());
    int head = keep / 4;
    int tail = keep - head;
    return text.substring(0, head) + note + text.substring(text.length() - tail);
  }

  /** {@code limit}, or less when the call's deadline comes first (at least a second). */
  static Duration clip(Duration limit, Instant deadline) {
    if (deadline == null) {
      return limit;
    }
    Duration left = Duration.between(Instant.now(), deadline);
    if (left.compareTo(limit) >= 0) {
      return limit;
    }
    return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
  }
}
