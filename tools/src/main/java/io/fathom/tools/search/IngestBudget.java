package io.fathom.tools.search;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The bytes one ingest may still read, after decompression, and the reads that spend them: a
 * document is read up to {@link IngestSettings#maxDocumentBytes()}, and every byte read, kept or
 * drained, counts toward {@link IngestSettings#maxTotalBytes()}. Not thread-safe: one per ingest.
 */
final class IngestBudget {

  private static final int CHUNK = 64 * 1024;

  private final IngestSettings settings;
  private long spent;

  IngestBudget(IngestSettings settings) {
    this.settings = settings;
  }

  /** The bytes read so far. */
  long spent() {
    return spent;
  }

  /** Counts {@code bytes} read; an {@link IngestStopped} past the limit. */
  void spend(long bytes) {
    spent += bytes;
    if (spent > settings.maxTotalBytes()) {
      throw new IngestStopped(
          "the ingest stopped after " + settings.maxTotalBytes() + " bytes (its limit, after decompression);"
              + " the documents after this point were not read");
    }
  }

  /**
   * The whole of {@code in}, at most {@link IngestSettings#maxDocumentBytes()}; a larger document
   * is a {@link SkippedDocument}, after the rest is read and dropped when {@code drain} (an
   * archive's stream must be read past it). {@code check} runs after every chunk, e.g. to watch
   * the compression ratio.
   */
  byte[] read(InputStream in, boolean drain, Runnable check) throws IOException {
    long max = settings.maxDocumentBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[CHUNK];
    long total = 0;
    for (int n; (n = in.read(chunk)) >= 0; ) {
      spend(n);
      total += n;
      if (total <= max) {
        out.write(chunk, 0, n);
      } else if (!drain) {
        break;
      }
      check.run();
    }
    if (total > max) {
      throw new SkippedDocument("larger than " + max + " bytes, the most a document may have");
    }
    return out.toByteArray();
  }

  /** Reads {@code in} to its end and drops it, counting what it reads. */
  void drain(InputStream in, Runnable check) throws IOException {
    byte[] chunk = new byte[CHUNK];
    for (int n; (n = in.read(chunk)) >= 0; ) {
      spend(n);
      check.run();
    }
  }

  /** The first bytes of a document already read, for sniffing its kind. */
  static byte[] head(byte[] bytes) {
    return bytes.length <= DocumentKind.SNIFF_BYTES ? bytes : Arrays.copyOf(bytes, DocumentKind.SNIFF_BYTES);
  }
}
