package io.fathom.orchestrator.repos;

/**
 * What one repository upload may expand to; enforced while the archive streams, so a bomb is refused
 * once it passes a limit, not after it filled the disk.
 *
 * @param maxBytes the files' bytes in all, uncompressed
 * @param maxEntries the archive's entries (files, directories, links and skipped ones alike)
 * @param maxEntryBytes one file's bytes
 */
public record RepositoryLimits(long maxBytes, int maxEntries, long maxEntryBytes) {

  /** 2 GiB in all, 200,000 entries, 512 MiB per file. */
  public RepositoryLimits() {
    this(2L << 30, 200_000, 512L << 20);
  }

  public RepositoryLimits {
    if (maxBytes <= 0 || maxEntries <= 0 || maxEntryBytes <= 0) {
      throw new IllegalArgumentException("repository limits must be positive");
    }
  }
}
