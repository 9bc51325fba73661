package io.fathom.tools.visit;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/** The kinds of response visit can read, by media type (or, without one, by the body's start). */
enum ContentKind {
  HTML,
  PDF,
  TEXT;

  /** The kind of {@code mediaType} (type/subtype, lower case, no parameters), if it is readable. */
  static Optional<ContentKind> of(String mediaType) {
    return switch (mediaType) {
      case "text/html", "application/xhtml+xml" -> Optional.of(HTML);
      case "application/pdf", "application/x-pdf" -> Optional.of(PDF);
      case "text/plain", "text/markdown", "text/x-markdown", "application/json" -> Optional.of(TEXT);
      default -> mediaType.endsWith("+json") ? Optional.of(TEXT) : Optional.empty();
    };
  }

  /** For responses without a media type: a PDF or HTML by their first bytes, else unknown. */
  static Optional<ContentKind> sniff(byte[] body) {
    String start =
        new String(body, 0, Math.min(body.length, 512), StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(Locale.ROOT);
    if (start.startsWith("%pdf-")) {
      return Optional.of(PDF);
    }
    if (start.startsWith("<!doctype html") || start.startsWith("<html")) {
      return Optional.of(HTML);
    }
    return Optional.empty();
  }
}
