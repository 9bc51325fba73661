package io.fathom.orchestrator.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the repositories that SWE-style jobs start from are kept.
 *
 * @param dir the repositories' directory; blank for {@code <data dir>/repos}. In a cluster, every replica
 *     must see the same directory (a shared volume)
 */
@ConfigurationProperties("fathom.repos")
public record RepositoryProperties(String dir) {

  public RepositoryProperties {
    dir = dir == null ? "" : dir.strip();
  }

  /** The repositories' directory. */
  public Path root(Path dataDir) {
    return dir.isEmpty() ? dataDir.resolve("repos") : Path.of(dir);
  }
}
