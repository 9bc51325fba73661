package io.fathom.tools.search;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One thing to ingest: a document or an archive of documents.
 *
 * @param fileName its name, which tells its format by extension (else its content is sniffed) and
 *     is the title of a document that has none of its own
 * @param id the document's id in the corpus, or {@code null} for {@code fileName}; for an archive,
 *     a prefix ({@code id/path}) to its entries' paths, which are their ids
 * @param content opens the bytes; called once, and the stream is closed after
 */
public record IngestSource(String fileName, String id, Content content) {

  /** Opens the bytes of a source. */
  @FunctionalInterface
  public interface Content {
    InputStream open() throws IOException;
  }

  public IngestSource {
    if (fileName == null || fileName.isBlank()) {
      throw new IllegalArgumentException("fileName is required");
    }
    if (content == null) {
      throw new IllegalArgumentException("content is required");
    }
  }

  /** In-memory bytes, their id the file name. */
  public static IngestSource of(String fileName, byte[] bytes) {
    return new IngestSource(fileName, null, () -> new ByteArrayInputStream(bytes));
  }

  /** In-memory bytes under a given id. */
  public static IngestSource of(String fileName, String id, byte[] bytes) {
    return new IngestSource(fileName, id, () -> new ByteArrayInputStream(bytes));
  }

  /** A file, its id its file name. */
  public static IngestSource of(Path file) {
    return new IngestSource(file.getFileName().toString(), null, () -> Files.newInputStream(file));
  }
}
