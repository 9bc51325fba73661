package io.fathom.tools.search;

import io.fathom.tools.files.FileTrees;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads the regular files of a zip, tar or tar.gz archive for ingest, with limits: at most {@link
 * IngestSettings#maxArchiveEntries()} entries, every byte counted in the {@link IngestBudget}, and
 * an archive that expands more than {@link IngestSettings#maxCompressionRatio()} times (past its
 * first MiB, per entry and in all) is refused as a zip bomb while it streams. Entries with absolute
 * or {@code ..} paths, links, devices, sparse and encrypted entries are refused one by one;
 * directories are passed over. A zip is spooled to a temporary file so its central directory
 * (which alone marks symbolic links) can be read; its entry count is checked before it is parsed.
 * Blocking. An archive-level refusal is a {@link SkippedDocument}; the entries read before it stay.
 */
final class ArchiveReader {

  /** Receives each regular file of an archive. */
  interface Entries {
    void entry(String path, byte[] bytes);
  }

  /** Receives each entry that is refused, and why. */
  interface Refusals {
    void refuse(String path, String reason);
  }

  private static final long RATIO_FLOOR = 1L << 20;
  private static final int MAX_PATH_CHARS = 1024;

  private final IngestSettings settings;
  private final IngestBudget budget;

  ArchiveReader(IngestSettings settings, IngestBudget budget) {
    this.settings = settings;
    this.budget = budget;
  }

  void read(DocumentKind kind, InputStream in, Entries entries, Refusals refusals) throws IOException {
    try {
      switch (kind) {
        case ZIP -> zip(in, entries, refusals);
        case TAR -> tar(new CountingInputStream(in), false, entries, refusals);
        case TAR_GZ -> tar(new CountingInputStream(in), true, entries, refusals);
        default -> throw new IllegalArgumentException(kind + " is not an archive");
      }
    } catch (Bomb e) {
      throw new SkippedDocument(e.getMessage());
    }
  }

  private void tar(CountingInputStream raw, boolean gzip, Entries entries, Refusals refusals) throws IOException {
    Expansion expansion = new Expansion(raw::count);
    int count = 0;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(gzip ? gunzip(raw) : raw)) {
      while (true) {
        TarArchiveEntry entry;
        try {
          entry = tar.getNextEntry();
        } catch (IOException | RuntimeException e) {
          throw new SkippedDocument("unreadable " + (gzip ? "tar.gz" : "tar") + " after " + count + " entries: "
              + e.getMessage());
        }
        if (entry == null) {
          return;
        }
        if (++count > settings.maxArchiveEntries()) {
          throw new SkippedDocument(
              "more than " + settings.maxArchiveEntries() + " entries; the entries after that were not read");
        }
        if (entry.isDirectory()) {
          continue;
        }
        String refusal =
            entry.isSymbolicLink() || entry.isLink() ? "a link"
                : entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO() ? "a device or pipe"
                : entry.isSparse() ? "a sparse file"
                : !entry.isFile() ? "not a regular file"
                : pathRefusal(entry.getName());
        take(entry.getName(), refusal, tar, expansion, entries, refusals);
      }
    }
  }

  private static InputStream gunzip(InputStream raw) throws IOException {
    return GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get();
  }

  private void zip(InputStream in, Entries entries, Refusals refusals) throws IOException {
    Path spool = Files.createTempFile("fathom-ingest-", ".zip");
    try {
      long size = spool(in, spool);
      long declared = FileTrees.declaredZipEntries(spool);
      if (declared > settings.maxArchiveEntries()) {
        throw new SkippedDocument(
            "declares " + declared + " entries, more than " + settings.maxArchiveEntries() + "; not read");
      }
      Expansion expansion = new Expansion(() -> size);
      ZipFile zip;
      try {
        zip = ZipFile.builder().setPath(spool).setUseUnicodeExtraFields(true).get();
      } catch (IOException | RuntimeException e) {
        throw new SkippedDocument("unreadable zip: " + e.getMessage());
      }
      try (zip) {
        int count = 0;
        for (Enumeration<ZipArchiveEntry> all = zip.getEntriesInPhysicalOrder(); all.hasMoreElements(); ) {
          ZipArchiveEntry entry = all.nextElement();
          if (++count > settings.maxArchiveEntries()) {
            throw new SkippedDocument(
                "more than " + settings.maxArchiveEntries() + " entries; the entries after that were not read");
          }
          if (entry.isDirectory()) {
            continue;
          }
          String refusal =
              entry.isUnixSymlink() ? "a link"
                  : !zip.canReadEntryData(entry) ? "encrypted, or compressed with an unsupported method"
                  : pathRefusal(entry.getName());
          if (refusal != null) {
            refusals.refuse(entry.getName(), refusal);
            continue; // nothing is read: the central directory lets us pass over it
          }
          try (InputStream data = zip.getInputStream(entry)) {
            take(entry.getName(), null, data, expansion, entries, refusals);
          } catch (IOException e) {
            refusals.refuse(entry.getName(), "unreadable entry: " + e.getMessage());
          }
        }
      }
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /** Reads one entry (or drains a refused one) and hands it on. */
  private void take(
      String path, String refusal, InputStream data, Expansion expansion, Entries entries, Refusals refusals)
      throws IOException {
    Expansion.Entry meter = expansion.entry(data);
    if (refusal != null) {
      budget.drain(meter, meter::check);
      refusals.refuse(path, refusal);
      return;
    }
    byte[] bytes;
    try {
      bytes = budget.read(meter, true, meter::check);
    } catch (SkippedDocument e) {
      refusals.refuse(path, e.getMessage());
      return;
    }
    entries.entry(id(path), bytes);
  }

  /** Why an entry's path is refused, or {@code null} when it is a fine relative path. */
  static String pathRefusal(String path) {
    if (path == null || path.isEmpty()) {
      return "an empty path";
    }
    if (path.length() > MAX_PATH_CHARS) {
      return "a path longer than " + MAX_PATH_CHARS + " characters";
    }
    if (path.startsWith("/") || path.startsWith("\\") || path.matches("^[A-Za-z]:.*")) {
      return "an absolute path";
    }
    for (String segment : path.split("[/\\\\]")) {
      if (segment.equals("..")) {
        return "a path with '..'";
      }
    }
    if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "a path with control characters";
    }
    return null;
  }

  /** An entry's id: its path with {@code /} separators, without {@code ./} or empty segments. */
  static String id(String path) {
    StringBuilder id = new StringBuilder();
    for (String segment : path.split("[/\\\\]")) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        id.append(id.isEmpty() ? "" : "/").append(segment);
      }
    }
    return id.toString();
  }

  /** Copies the zip to {@code file}, no more of it than the ingest may still read. */
  private long spool(InputStream in, Path file) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        total += n;
        if (total > settings.maxTotalBytes()) {
          throw new SkippedDocument("larger than " + settings.maxTotalBytes() + " bytes; not read");
        }
        out.write(chunk, 0, n);
      }
    }
    return total;
  }

  /** Watches how far an archive expands: in all, against its compressed size, and per entry. */
  private final class Expansion {

    private final java.util.function.LongSupplier compressed;
    private long expanded;

    Expansion(java.util.function.LongSupplier compressed) {
      this.compressed = compressed;
    }

    Entry entry(InputStream data) {
      return new Entry(data);
    }

    private void check(long entryExpanded, long entryCompressed) {
      long ratio = settings.maxCompressionRatio();
      if (expanded > RATIO_FLOOR && expanded > ratio * Math.max(1, compressed.getAsLong())
          || entryCompressed >= 0 && entryExpanded > RATIO_FLOOR && entryExpanded > ratio * Math.max(1, entryCompressed)) {
        throw new Bomb(
            "refused as a zip bomb: it expands more than " + ratio + " times; the entries after that were not read");
      }
    }

    /** One entry's data, counted as it is read. */
    final class Entry extends FilterInputStream {

      private long read;

      Entry(InputStream data) {
        super(data);
      }

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          read++;
          expanded++;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          read += n;
          expanded += n;
        }
        return n;
      }

      void check() {
        long entryCompressed =
            in instanceof org.apache.commons.compress.utils.InputStreamStatistics statistics
                ? statistics.getCompressedCount()
                : -1;
        Expansion.this.check(read, entryCompressed);
      }
    }
  }

  /** The archive expands too far: it is refused from here on, not just the entry being read. */
  private static final class Bomb extends RuntimeException {
    Bomb(String message) {
      super(message, null, false, false);
    }
  }

  /** Counts the bytes read through it. */
  private static final class CountingInputStream extends FilterInputStream {

    private long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count += skipped;
      return skipped;
    }
  }
}
