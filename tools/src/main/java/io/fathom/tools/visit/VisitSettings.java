package io.fathom.tools.visit;

import java.time.Duration;

/**
 * How {@link VisitTool} fetches and pages.
 *
 * @param timeout the whole fetch, redirects included, must finish within this
 * @param maxBytes the response body is read up to this many bytes (after decompression); the rest
 *     is cut off and the result says so
 * @param pageChars the text the model sees per call, at most this many characters
 * @param maxRedirects redirects followed per call; one more is a failure
 */
public record VisitSettings(Duration timeout, long maxBytes, int pageChars, int maxRedirects) {

  /** 5 MiB. */
  public static final long DEFAULT_MAX_BYTES = 5L << 20;

  public VisitSettings {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    if (maxBytes < 1024 || maxBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxBytes must be between 1024 and 2^31 - 9, was " + maxBytes);
    }
    if (pageChars < 500) {
      throw new IllegalArgumentException("pageChars must be at least 500, was " + pageChars);
    }
    if (maxRedirects < 0) {
      throw new IllegalArgumentException("maxRedirects must not be negative, was " + maxRedirects);
    }
  }

  /** 20 s, 5 MiB, 20,000 characters a page, 5 redirects. */
  public static VisitSettings defaults() {
    return new VisitSettings(Duration.ofSeconds(20), DEFAULT_MAX_BYTES, 20_000, 5);
  }
}
