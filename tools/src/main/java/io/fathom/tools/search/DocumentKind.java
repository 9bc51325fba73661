package io.fathom.tools.search;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The formats ingest reads, told by file name extension, else by the first bytes: documents (text,
 * Markdown, HTML, JSON, PDF) and archives of them (zip, tar, tar.gz). Magic numbers of an archive are
 * trusted only for names without an extension, so a {@code .docx} (a zip) is not read as an
 * archive; a file with an unknown extension whose start looks like text is read as text.
 */
enum DocumentKind {
  TEXT,
  MARKDOWN,
  HTML,
  JSON,
  PDF,
  ZIP,
  TAR,
  TAR_GZ;

  /** How many first bytes {@link #detect} looks at. */
  static final int SNIFF_BYTES = 8192;

  boolean archive() {
    return this == ZIP || this == TAR || this == TAR_GZ;
  }

  /** The kind named by {@code fileName}'s extension, if it names one. */
  static Optional<DocumentKind> byName(String fileName) {
    String name = baseName(fileName).toLowerCase(Locale.ROOT);
    if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
      return Optional.of(TAR_GZ);
    }
    int dot = name.lastIndexOf('.');
    if (dot < 0) {
      return Optional.empty();
    }
    return switch (name.substring(dot + 1)) {
      case "txt", "text" -> Optional.of(TEXT);
      case "md", "markdown", "mdown", "mkd" -> Optional.of(MARKDOWN);
      case "html", "htm", "xhtml" -> Optional.of(HTML);
      case "json" -> Optional.of(JSON);
      case "pdf" -> Optional.of(PDF);
      case "zip" -> Optional.of(ZIP);
      case "tar" -> Optional.of(TAR);
      default -> Optional.empty();
    };
  }

  /**
   * The kind of a file named {@code fileName} that starts with {@code head}, or a {@link
   * SkippedDocument} saying why it is not read.
   */
  static DocumentKind detect(String fileName, byte[] head, int length) {
    Optional<DocumentKind> named = byName(fileName);
    if (named.isPresent()) {
      return named.get();
    }
    boolean extension = baseName(fileName).lastIndexOf('.') > 0;
    if (startsWith(head, length, '%', 'P', 'D', 'F', '-')) {
      return PDF;
    }
    boolean zip = startsWith(head, length, 'P', 'K', 3, 4);
    boolean gzip = startsWith(head, length, 0x1f, 0x8b);
    boolean tar = length >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
    if (zip || gzip || tar) {
      if (!extension) {
        return zip ? ZIP : gzip ? TAR_GZ : TAR;
      }
      throw new SkippedDocument("unsupported format (a " + (zip ? "zip" : gzip ? "gzip" : "tar")
          + "-based file with an unknown extension)");
    }
    String start = new String(head, 0, Math.min(length, 512), StandardCharsets.ISO_8859_1)
        .replace("\u00ef\u00bb\u00bf", "").stripLeading().toLowerCase(Locale.ROOT);
    if (start.startsWith("<!doctype html") || start.startsWith("<html")) {
      return HTML;
    }
    if (looksLikeText(head, length)) {
      return TEXT;
    }
    throw new SkippedDocument("unsupported format (binary content)");
  }

  /** No NUL bytes and few other control characters: text (in UTF-8 or an 8-bit charset). */
  static boolean looksLikeText(byte[] head, int length) {
    if (length >= 2 && ((head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xff
        || (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xfe)) {
      return true; // UTF-16 with a byte-order mark
    }
    int control = 0;
    for (int i = 0; i < length; i++) {
      int b = head[i] & 0xff;
      if (b == 0) {
        return false;
      }
      if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' && b != 0x1b) {
        control++;
      }
    }
    return control * 100 <= length;
  }

  /** The part of a path after its last slash. */
  static String baseName(String path) {
    int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    return slash < 0 ? path : path.substring(slash + 1);
  }

  private static boolean startsWith(byte[] bytes, int length, int... prefix) {
    if (length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xff) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
