package io.fathom.tools.search;

import java.util.List;

/**
 * What one ingest did.
 *
 * @param added documents new to the corpus
 * @param replaced documents whose id was there before (or came twice), now replaced
 * @param skipped documents and archive entries not indexed: unsupported, broken, too large or
 *     refused
 * @param bytes the bytes read, after decompression
 * @param seconds how long the ingest took, commit included
 * @param complete false when the ingest stopped early at its byte limit (the problems say where)
 * @param problems the first reasons for skipped documents, e.g. {@code "a.zip!/b.exe: unsupported"}
 */
public record IngestSummary(
    long added, long replaced, long skipped, long bytes, double seconds, boolean complete, List<String> problems) {

  public IngestSummary {
    problems = List.copyOf(problems);
  }

  /** Documents indexed, new or replaced. */
  public long indexed() {
    return added + replaced;
  }
}
