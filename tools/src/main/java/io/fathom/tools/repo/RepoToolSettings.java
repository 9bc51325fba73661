package io.fathom.tools.repo;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Limits and defaults of the repository tools.
 *
 * @param maxFileBytes the largest file {@code view}, {@code create}, {@code str_replace} and {@code
 *     insert} read or write (and the largest file {@code search_repo} searches; bigger ones are
 *     skipped)
 * @param outputChars the most characters of output a call returns; more is cut with a note
 * @param maxListingEntries the most entries of a {@code view} directory listing
 * @param maxSearchResults the most matching lines {@code search_repo} returns (its {@code
 *     max_results} may ask for fewer; the default is the smaller of this and 50)
 * @param searchTimeout how long one search may run in the sandbox
 * @param testCommand what {@code run_tests} runs when the call names no command (argv, run in
 *     {@code /workspace})
 * @param testTimeout how long one {@code run_tests} call may run (also clipped by the sandbox's own
 *     wall-clock limit and by the call's deadline)
 */
public record RepoToolSettings(
    long maxFileBytes,
    int outputChars,
    int maxListingEntries,
    int maxSearchResults,
    Duration searchTimeout,
    List<String> testCommand,
    Duration testTimeout) {

  /** The default of {@link #maxFileBytes()}: 1 MiB. */
  public static final long DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

  public RepoToolSettings {
    Objects.requireNonNull(searchTimeout, "searchTimeout");
    Objects.requireNonNull(testTimeout, "testTimeout");
    testCommand = List.copyOf(testCommand);
    if (maxFileBytes < 1024) {
      throw new IllegalArgumentException("maxFileBytes must be at least 1024");
    }
    if (outputChars < 1024) {
      throw new IllegalArgumentException("outputChars must be at least 1024");
    }
    if (maxListingEntries < 10 || maxSearchResults < 1) {
      throw new IllegalArgumentException("maxListingEntries must be at least 10 and maxSearchResults at least 1");
    }
    if (testCommand.isEmpty() || testCommand.getFirst().isEmpty()) {
      throw new IllegalArgumentException("testCommand must name a program");
    }
    if (!searchTimeout.isPositive() || !testTimeout.isPositive()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
  }

  /** 1 MiB files, 16,000 characters of output, 200 results, {@code python3 -m pytest -q} for 5 minutes. */
  public static RepoToolSettings defaults() {
    return new RepoToolSettings(DEFAULT_MAX_FILE_BYTES, 16_000, 1000, 200, Duration.ofSeconds(30),
        List.of("python3", "-m", "pytest", "-q"), Duration.ofMinutes(5));
  }

  public RepoToolSettings withTestCommand(List<String> command) {
    return new RepoToolSettings(maxFileBytes, outputChars, maxListingEntries, maxSearchResults, searchTimeout, command,
        testTimeout);
  }

  public RepoToolSettings withTestTimeout(Duration timeout) {
    return new RepoToolSettings(maxFileBytes, outputChars, maxListingEntries, maxSearchResults, searchTimeout,
        testCommand, timeout);
  }

  public RepoToolSettings withMaxFileBytes(long bytes) {
    return new RepoToolSettings(bytes, outputChars, maxListingEntries, maxSearchResults, searchTimeout, testCommand,
        testTimeout);
  }

  public RepoToolSettings withOutputChars(int chars) {
    return new RepoToolSettings(maxFileBytes, chars, maxListingEntries, maxSearchResults, searchTimeout, testCommand,
        testTimeout);
  }
}
