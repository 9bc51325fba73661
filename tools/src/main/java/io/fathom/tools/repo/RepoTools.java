package io.fathom.tools.repo;

import io.fathom.sandbox.Sandbox;
import io.fathom.tools.Tool;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The repository tools together, for registering them at once. */
public final class RepoTools {

  private RepoTools() {}

  /**
   * {@code view}, {@code create}, {@code str_replace}, {@code insert}, {@code search_repo} and
   * {@code run_tests} over the job's sandbox, on {@link Schedulers#boundedElastic()}.
   *
   * @param sandboxes the job's sandbox by job id, e.g. {@code jobWorkspaces::forJob}
   */
  public static List<Tool> all(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    return all(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox work runs */
  public static List<Tool> all(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    return List.of(
        new ViewTool(sandboxes, settings, blocking),
        new CreateTool(sandboxes, settings, blocking),
        new StrReplaceTool(sandboxes, settings, blocking),
        new InsertTool(sandboxes, settings, blocking),
        new SearchRepoTool(sandboxes, settings, blocking),
        new RunTestsTool(sandboxes, settings, blocking));
  }
}
