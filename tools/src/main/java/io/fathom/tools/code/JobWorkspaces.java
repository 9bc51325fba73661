package io.fathom.tools.code;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One sandbox per job, made at the job's first code call, so that the files a call writes are there
 * for the next call of the same job; destroyed when the job ends on this replica (or after the
 * sandboxes' idle time-out). A job resumed on another replica, or whose sandbox expired, starts with
 * an empty workspace. The sandboxes are in process or on a sandbox server ({@link CodeSandboxes}).
 *
 * <p>{@link #exec}, {@link #write} and {@link #read} block; {@link #release} does not (the sandbox is
 * destroyed on {@code blocking}), so it may be called from an event loop.
 */
public final class JobWorkspaces implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JobWorkspaces.class);

  private final CodeSandboxes sandboxes;
  private final Scheduler blocking;
  private final Map<UUID, String> byJob = new ConcurrentHashMap<>();
  private final Map<UUID, Path> repositories = new ConcurrentHashMap<>();

  public JobWorkspaces(CodeSandboxes sandboxes, Scheduler blocking) {
    this.sandboxes = sandboxes;
    this.blocking = blocking;
  }

  /**
   * Runs a program in the job's sandbox (a new one when it has none, or its old one is gone: then
   * the program runs in a fresh sandbox, once).
   */
  public ExecResult exec(UUID job, ExecRequest request) throws InterruptedException {
    String id = forJob(job);
    try {
      return sandboxes.exec(id, request);
    } catch (UnknownSandboxException gone) {
      byJob.remove(job, id);
      return sandboxes.exec(forJob(job), request);
    }
  }

  /** Writes a file into the job's workspace. */
  public void write(UUID job, String path, byte[] data) throws IOException, InterruptedException {
    String id = forJob(job);
    try {
      sandboxes.write(id, path, data);
    } catch (UnknownSandboxException gone) {
      byJob.remove(job, id);
      sandboxes.write(forJob(job), path, data);
    }
  }

  /** Reads a file of the job's workspace. */
  public byte[] read(UUID job, String path) throws IOException, InterruptedException {
    return sandboxes.read(forJob(job), path);
  }

  private String forJob(UUID job) {
    return byJob.computeIfAbsent(job, j -> {
      Path repository = repositories.get(j);
      return repository == null ? sandboxes.create() : sandboxes.create(repository);
    });
  }

  /**
   * The job works on {@code repository}: its sandbox, made at its first call, starts as a copy-on-write view of
   * that directory (see {@link CodeSandboxes#create(Path)}).
   */
  public void assignRepository(UUID job, Path repository) {
    repositories.put(job, repository);
  }

  /**
   * The job's in-process sandbox (made now if it has none), for tools that use its file API directly. Only
   * for in-process sandboxes ({@link CodeSandboxes#local}).
   */
  public Sandbox sandbox(UUID job) {
    String id = forJob(job);
    Optional<Sandbox> local = sandboxes.local(id);
    if (local.isEmpty()) { // gone (expired while idle): a fresh one, once
      byJob.remove(job, id);
      local = sandboxes.local(forJob(job));
    }
    return local.orElseThrow(() -> new CodeSandboxException("the job's sandbox is gone"));
  }

  /** The job ended here: its sandbox and workspace go (on the blocking scheduler). */
  public void release(UUID job) {
    repositories.remove(job);
    String id = byJob.remove(job);
    if (id != null) {
      Mono.fromRunnable(() -> sandboxes.destroy(id))
          .subscribeOn(blocking)
          .subscribe(null, e -> log.warn("cannot destroy sandbox {} of job {}: {}", id, job, e.toString()));
    }
  }

  /** Destroys the sandboxes of every job still here (blocking). */
  @Override
  public void close() {
    for (UUID job : List.copyOf(byJob.keySet())) {
      String id = byJob.remove(job);
      if (id != null) {
        try {
          sandboxes.destroy(id);
        } catch (RuntimeException e) {
          log.warn("cannot destroy sandbox {} of job {}: {}", id, job, e.toString());
        }
      }
    }
  }
}
