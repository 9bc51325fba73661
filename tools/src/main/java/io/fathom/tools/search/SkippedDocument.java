package io.fathom.tools.search;

/**
 * A document or archive that is not indexed, and why: unsupported, broken, too large or refused.
 * The ingest goes on; the reason is reported in its {@link IngestSummary}. No stack trace.
 */
final class SkippedDocument extends RuntimeException {

  SkippedDocument(String reason) {
    super(reason, null, false, false);
  }
}
