package io.fathom.tools.search;

/**
 * Limits of one ingest into a corpus.
 *
 * @param maxDocumentBytes a document (a file, or an archive entry after decompression) larger than
 *     this is skipped
 * @param maxArchiveEntries an archive with more entries is read up to this many, the rest refused
 * @param maxTotalBytes the bytes read in one ingest, after decompression, documents and archive
 *     entries together; the ingest stops when they are reached and says so
 * @param maxCompressionRatio an archive whose uncompressed bytes outgrow its compressed bytes by
 *     more than this (past its first MiB) is refused as a zip bomb while it streams
 * @param maxReportedProblems how many reasons for skipped documents the summary lists (it counts
 *     all)
 */
public record IngestSettings(
    long maxDocumentBytes, int maxArchiveEntries, long maxTotalBytes, int maxCompressionRatio,
    int maxReportedProblems) {

  /** 10 MiB. */
  public static final long DEFAULT_MAX_DOCUMENT_BYTES = 10L << 20;

  /** 1 GiB. */
  public static final long DEFAULT_MAX_TOTAL_BYTES = 1L << 30;

  public IngestSettings {
    if (maxDocumentBytes < 1024 || maxDocumentBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "maxDocumentBytes must be between 1024 and 2^31 - 9, was " + maxDocumentBytes);
    }
    if (maxArchiveEntries < 1) {
      throw new IllegalArgumentException("maxArchiveEntries must be at least 1, was " + maxArchiveEntries);
    }
    if (maxTotalBytes < maxDocumentBytes) {
      throw new IllegalArgumentException(
          "maxTotalBytes must be at least maxDocumentBytes (" + maxDocumentBytes + "), was " + maxTotalBytes);
    }
    if (maxCompressionRatio < 2) {
      throw new IllegalArgumentException("maxCompressionRatio must be at least 2, was " + maxCompressionRatio);
    }
    if (maxReportedProblems < 0) {
      throw new IllegalArgumentException("maxReportedProblems must not be negative, was " + maxReportedProblems);
    }
  }

  /** 10 MiB a document, 100,000 entries an archive, 1 GiB an ingest, ratio 100, 20 reasons listed. */
  public static IngestSettings defaults() {
    return new IngestSettings(DEFAULT_MAX_DOCUMENT_BYTES, 100_000, DEFAULT_MAX_TOTAL_BYTES, 100, 20);
  }
}
