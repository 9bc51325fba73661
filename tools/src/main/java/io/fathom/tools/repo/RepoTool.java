package io.fathom.tools.repo;

import io.fathom.sandbox.LimitExceededException;
import io.fathom.sandbox.PathRefusedException;
import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.SandboxException;
import io.fathom.tools.Tool;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the repository tools share: the job's sandbox, the settings, a scheduler for the blocking
 * sandbox work, argument checking against the schema's field names, and the mapping of every
 * failure to a {@link ToolResult.Failure} (never an error signal).
 *
 * <p>Failure codes: {@code invalid_arguments} (names the field), {@code not_found}, {@code
 * path_refused} (absolute, {@code ..}, a link out of the workspace), {@code too_large} (names the
 * limit), {@code not_a_file}, {@code not_a_directory}, {@code already_exists}, {@code no_match},
 * {@code multiple_matches}, {@code binary_file}, {@code not_utf8}, {@code sandbox_error}, {@code
 * io_error}.
 */
abstract sealed class RepoTool implements Tool
    permits ViewTool, CreateTool, StrReplaceTool, InsertTool, SearchRepoTool, RunTestsTool {

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final String name;
  private final String description;
  private final JsonNode parameters;
  private final List<String> fields;
  private final boolean idempotent;
  private final Function<UUID, Sandbox> sandboxes;
  private final Scheduler blocking;
  final RepoToolSettings settings;

  RepoTool(String name, String description, String schema, boolean idempotent, Function<UUID, Sandbox> sandboxes,
      RepoToolSettings settings, Scheduler blocking) {
    this.name = name;
    this.description = description;
    this.parameters = JSON.readTree(schema);
    this.fields = List.copyOf(parameters.get("properties").propertyNames());
    this.idempotent = idempotent;
    this.sandboxes = Objects.requireNonNull(sandboxes, "sandboxes");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.blocking = Objects.requireNonNull(blocking, "blocking");
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public final JsonNode parameters() {
    return parameters;
  }

  @Override
  public final boolean idempotent() {
    return idempotent;
  }

  @Override
  public final Mono<ToolResult> call(JsonNode arguments, ToolContext context) {
    return Mono.fromCallable(() -> run(new RepoArguments(arguments, fields), context))
        .subscribeOn(blocking)
        .onErrorResume(e -> Mono.just(failure(e)));
  }

  /**
   * Does the call, on the blocking scheduler. Implementations check their arguments before they
   * ask for the {@link #sandbox}.
   */
  abstract ToolResult run(RepoArguments arguments, ToolContext context) throws Exception;

  /** The job's sandbox (made on first use by the function given at construction). */
  final Sandbox sandbox(ToolContext context) {
    return sandboxes.apply(context.jobId());
  }

  static ToolResult failure(Throwable e) {
    return switch (e) {
      case RepoToolException r -> ToolResult.failure(r.code(), r.getMessage());
      case PathRefusedException p -> ToolResult.failure("path_refused", p.getMessage());
      case LimitExceededException l -> ToolResult.failure("too_large", l.getMessage());
      case SandboxException s -> ToolResult.failure("sandbox_error", s.getMessage());
      case NoSuchFileException n -> ToolResult.failure("not_found", "no such file or directory: " + n.getFile());
      case NotDirectoryException n -> ToolResult.failure("not_a_directory",
          n.getFile() + ": a component of the path is not a directory");
      case AccessDeniedException a -> ToolResult.failure("io_error", "permission denied: " + a.getFile());
      case FileSystemException f -> ToolResult.failure("io_error", f.getMessage());
      case IOException io -> ToolResult.failure("io_error", io.getMessage());
      case InterruptedException i -> ToolResult.failure("sandbox_error", "interrupted");
      default -> ToolResult.failure("tool_error", e.getClass().getSimpleName() + ": " + e.getMessage());
    };
  }
}
