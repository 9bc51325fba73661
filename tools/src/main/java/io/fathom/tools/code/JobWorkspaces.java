package io.fathom.tools.code;

import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.Sandboxes;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One sandbox per job, made at the job's first code call, so that the files a call writes are there
 * for the next call of the same job; destroyed when the job ends on this replica (or after the
 * sandboxes' idle time-out). A job resumed on another replica starts with an empty workspace.
 */
public final class JobWorkspaces {

  private final java.util.function.Supplier<Sandboxes> sandboxes;
  private final Map<UUID, Sandbox> byJob = new ConcurrentHashMap<>();

  /** {@code sandboxes} is asked for the registry at the first call (made then, once). */
  public JobWorkspaces(java.util.function.Supplier<Sandboxes> sandboxes) {
    this.sandboxes = sandboxes;
  }

  /** The job's sandbox (a new one when it has none, or its old one was destroyed). */
  public Sandbox forJob(UUID job) {
    return byJob.compute(job, (id, current) -> current != null && !current.isDestroyed() ? current : sandboxes.get().create());
  }

  /** The job ended here: its sandbox and workspace go. */
  public void release(UUID job) {
    Sandbox s = byJob.remove(job);
    if (s != null) {
      sandboxes.get().destroy(s.id());
    }
  }
}
