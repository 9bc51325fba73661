package io.fathom.tools.code;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.SandboxException;
import io.fathom.tools.Tool;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code python} and {@code bash}: run the model's code in the job's sandbox ({@link
 * JobWorkspaces}, in process or on a sandbox server; cwd {@code /workspace}, files kept between calls
 * of the job, no network). The
 * result shows the exit code, stdout and stderr (each capped by the sandbox), and says when the run
 * timed out or its output was cut. Not idempotent: code changes the workspace. Runs on a scheduler
 * for blocking work, never on an event loop.
 */
public final class CodeTool implements Tool {

  /** The longest one call may run. */
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  private final String name;
  private final String description;
  private final String field;
  private final Function<String, ExecRequest> request;
  private final JobWorkspaces workspaces;
  private final Scheduler blocking;
  private final Duration timeout;
  private final JsonNode parameters;

  private CodeTool(
      String name, String description, String field, Function<String, ExecRequest> request, JobWorkspaces workspaces,
      Scheduler blocking, Duration timeout) {
    this.name = name;
    this.description = description;
    this.field = field;
    this.request = request;
    this.workspaces = workspaces;
    this.blocking = blocking;
    this.timeout = timeout;
    this.parameters =
        JsonMapper.builder().build().readTree(
            "{\"type\": \"object\", \"properties\": {\"" + field + "\": {\"type\": \"string\", \"maxLength\": 1000000,"
                + " \"description\": \"The " + (field.equals("code") ? "Python 3 program" : "bash script") + " to run\"}},"
                + " \"required\": [\"" + field + "\"], \"additionalProperties\": false}");
  }

  public static CodeTool python(JobWorkspaces workspaces, Scheduler blocking, Duration timeout) {
    return new CodeTool(
        "python",
        "Run a Python 3 program in this task's sandbox (working directory /workspace, files kept between calls, no"
            + " network). Returns its exit code, stdout and stderr. Print what you want to see.",
        "code", ExecRequest::python, workspaces, blocking, timeout);
  }

  public static CodeTool bash(JobWorkspaces workspaces, Scheduler blocking, Duration timeout) {
    return new CodeTool(
        "bash",
        "Run a bash script in this task's sandbox (working directory /workspace, files kept between calls, no network)."
            + " Returns its exit code, stdout and stderr.",
        "command", ExecRequest::bash, workspaces, blocking, timeout);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public JsonNode parameters() {
    return parameters;
  }

  @Override
  public boolean idempotent() {
    return false;
  }

  @Override
  public Mono<ToolResult> call(JsonNode arguments, ToolContext context) {
    String source = arguments.path(field).asString("");
    Duration limit = timeout;
    if (context.deadline() != null) {
      Duration left = Duration.between(Instant.now(), context.deadline());
      limit = left.compareTo(limit) < 0 ? (left.isNegative() ? Duration.ofSeconds(1) : left) : limit;
    }
    Duration run = limit;
    return Mono.fromCallable(() -> workspaces.exec(context.jobId(), request.apply(source).withTimeout(run)))
        .subscribeOn(blocking)
        .map(CodeTool::describe)
        .onErrorResume(SandboxException.class, e -> Mono.just(ToolResult.failure("sandbox_error", e.getMessage())))
        .onErrorResume(CodeSandboxException.class, e -> Mono.just(ToolResult.failure("sandbox_error", e.getMessage())))
        .onErrorResume(InterruptedException.class, e -> Mono.just(ToolResult.failure("sandbox_error", "interrupted")));
  }

  private static ToolResult describe(ExecResult r) {
    StringBuilder b = new StringBuilder();
    b.append("exit code ").append(r.exitCode());
    if (r.timedOut()) {
      b.append(" (killed: it ran past its time limit)");
    }
    if (!r.limitsHit().isEmpty()) {
      b.append(" (limits hit: ").append(r.limitsHit()).append(')');
    }
    b.append("\n--- stdout ---\n").append(r.stdout());
    if (!r.stderr().isEmpty()) {
      b.append("\n--- stderr ---\n").append(r.stderr());
    }
    if (r.truncated()) {
      b.append("\n[output cut at the sandbox's output limit]");
    }
    return ToolResult.Success.of(b.toString());
  }
}
