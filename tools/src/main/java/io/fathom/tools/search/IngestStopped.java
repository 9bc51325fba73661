package io.fathom.tools.search;

/** An ingest reached its byte limit: what was read so far is kept, the rest is not read. */
final class IngestStopped extends RuntimeException {

  IngestStopped(String reason) {
    super(reason, null, false, false);
  }
}
