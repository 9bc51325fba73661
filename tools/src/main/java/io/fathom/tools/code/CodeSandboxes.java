package io.fathom.tools.code;

import io.fathom.sandbox.Sandbox;
import java.nio.file.Path;
import java.util.Optional;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import java.io.IOException;

/**
 * Where the {@code python} and {@code bash} tools run code: sandboxes named by id, each a workspace
 * whose files persist between executions until it is destroyed. {@link LocalCodeSandboxes} runs them
 * in this JVM ({@link io.fathom.sandbox.Sandboxes}); {@link RemoteCodeSandboxes} on a sandbox server
 * ({@code ./fathom sandbox}, {@code FATHOM_SANDBOX_URL}).
 *
 * <p>Every method blocks (an execution for as long as the program runs): call them on a scheduler for
 * blocking work, never on an event loop. A sandbox that no longer exists (destroyed, or expired after
 * being idle) is reported as {@link UnknownSandboxException}; other refusals as {@link
 * io.fathom.sandbox.SandboxException} (in process) or {@link CodeSandboxException} (remote), with a
 * message fit to show to the model.
 */
public interface CodeSandboxes {

  /** A new sandbox with the default limits; its id. */
  String create();

  /**
   * A new sandbox whose workspace starts as the host directory {@code repository}, copy-on-write (its
   * writes stay its own); its id. Only sandboxes in this JVM can: a sandbox server cannot see this host's
   * directories.
   */
  default String create(Path repository) {
    throw new CodeSandboxException("a job's repository workspace needs in-process sandboxes (FATHOM_SANDBOX_URL is set)");
  }

  /** The in-process sandbox {@code id}, for tools that use its file API directly; empty for remote ones. */
  default Optional<Sandbox> local(String id) {
    return Optional.empty();
  }

  /** Runs one program in sandbox {@code id} and waits for it. */
  ExecResult exec(String id, ExecRequest request) throws InterruptedException;

  /** Writes a workspace file ({@code path} relative to {@code /workspace}), creating parent directories. */
  void write(String id, String path, byte[] data) throws IOException, InterruptedException;

  /**
   * Reads a workspace file.
   *
   * @throws java.nio.file.NoSuchFileException when there is no such file
   */
  byte[] read(String id, String path) throws IOException, InterruptedException;

  /** Destroys sandbox {@code id} and its workspace; nothing when it is already gone. */
  void destroy(String id);
}
