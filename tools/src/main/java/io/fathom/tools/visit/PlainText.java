package io.fathom.tools.visit;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Plain text, Markdown and JSON, decoded: a byte-order mark decides the charset, else the {@code
 * Content-Type} header's, else UTF-8. Malformed bytes become U+FFFD.
 */
final class PlainText {

  private PlainText() {}

  static ReadableText extract(FetchedBody body) {
    return new ReadableText(null, body.url().toString(), TextPages.tidy(decode(body.bytes(), body.charset())), null);
  }

  static String decode(byte[] bytes, Charset declared) {
    if (startsWith(bytes, 0xEF, 0xBB, 0xBF)) {
      return new String(bytes, 3, bytes.length - 3, StandardCharsets.UTF_8);
    }
    if (startsWith(bytes, 0xFE, 0xFF)) {
      return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16BE);
    }
    if (startsWith(bytes, 0xFF, 0xFE)) {
      return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16LE);
    }
    return new String(bytes, declared == null ? StandardCharsets.UTF_8 : declared);
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    if (bytes.length < prefix.length) {
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
