package io.fathom.tools.code;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.Limits;
import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.SandboxClosedException;
import io.fathom.sandbox.Sandboxes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link CodeSandboxes} in this JVM: the {@link Sandboxes} registry, asked for at the first call. */
public final class LocalCodeSandboxes implements CodeSandboxes {

  /** The wall-clock limit of one execution in a repository sandbox: 15 minutes. */
  public static final java.time.Duration REPOSITORY_WALL = java.time.Duration.ofMinutes(15);

  private final Supplier<Sandboxes> registry;

  /** {@code registry} is asked for the registry at each call (make it once, lazily, there). */
  public LocalCodeSandboxes(Supplier<Sandboxes> registry) {
    this.registry = registry;
  }

  @Override
  public String create() {
    return registry.get().create().id();
  }

  /**
   * A sandbox over {@code repository} whose wall-clock and CPU-time limits are raised to {@link #REPOSITORY_WALL}
   * (test suites run long); other limits are the registry's defaults.
   */
  @Override
  public String create(Path repository) {
    Sandboxes sandboxes = registry.get();
    Limits defaults = sandboxes.config().defaultLimits();
    Limits limits =
        defaults.withWallTimeout(REPOSITORY_WALL).withCpuSeconds((int) Math.max(defaults.cpuSeconds(), REPOSITORY_WALL.toSeconds()));
    return sandboxes.create(limits, repository).id();
  }

  @Override
  public Optional<Sandbox> local(String id) {
    return registry.get().get(id);
  }

  @Override
  public ExecResult exec(String id, ExecRequest request) throws InterruptedException {
    try {
      return sandbox(id).exec(request);
    } catch (SandboxClosedException e) {
      throw new UnknownSandboxException(id);
    }
  }

  @Override
  public void write(String id, String path, byte[] data) throws IOException {
    try {
      sandbox(id).write(path, data);
    } catch (SandboxClosedException e) {
      throw new UnknownSandboxException(id);
    }
  }

  @Override
  public byte[] read(String id, String path) throws IOException {
    try {
      return sandbox(id).read(path);
    } catch (SandboxClosedException e) {
      throw new UnknownSandboxException(id);
    }
  }

  @Override
  public void destroy(String id) {
    registry.get().destroy(id);
  }

  private Sandbox sandbox(String id) {
    return registry.get().get(id).orElseThrow(() -> new UnknownSandboxException(id));
  }
}
