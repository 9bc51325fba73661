package io.fathom.tools.search;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** Documents and archives built in tests. */
final class Fixtures {

  private Fixtures() {}

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A one-page PDF with this title metadata (or none) and these lines. */
  static byte[] pdf(String title, String... lines) throws IOException {
    try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      PDPage page = new PDPage();
      document.addPage(page);
      if (title != null) {
        document.getDocumentInformation().setTitle(title);
      }
      try (PDPageContentStream content = new PDPageContentStream(document, page)) {
        content.beginText();
        content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
        content.newLineAtOffset(72, 700);
        for (String line : lines) {
          content.showText(line);
          content.newLineAtOffset(0, -16);
        }
        content.endText();
      }
      document.save(out);
      return out.toByteArray();
    }
  }

  /** A zip of these entries, in order. */
  static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putArchiveEntry(new ZipArchiveEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** A zip with one regular file and one symbolic link. */
  static byte[] zipWithSymlink() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
      zip.putArchiveEntry(new ZipArchiveEntry("ok.txt"));
      zip.write(utf8("a regular file about lighthouses"));
      zip.closeArchiveEntry();
      ZipArchiveEntry link = new ZipArchiveEntry("link.txt");
      link.setUnixMode(0120777);
      zip.putArchiveEntry(link);
      zip.write(utf8("/etc/passwd"));
      zip.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  /** A tar (gzipped when {@code gzip}) of these entries; {@code link} adds a symbolic link and a device too. */
  static byte[] tar(Map<String, byte[]> entries, boolean gzip, boolean link) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(gzip ? new GzipCompressorOutputStream(bytes) : bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        TarArchiveEntry tarEntry = new TarArchiveEntry(entry.getKey(), true);
        tarEntry.setSize(entry.getValue().length);
        tar.putArchiveEntry(tarEntry);
        tar.write(entry.getValue());
        tar.closeArchiveEntry();
      }
      if (link) {
        TarArchiveEntry symlink = new TarArchiveEntry("evil-link", TarArchiveEntry.LF_SYMLINK);
        symlink.setLinkName("/etc/passwd");
        tar.putArchiveEntry(symlink);
        tar.closeArchiveEntry();
        TarArchiveEntry device = new TarArchiveEntry("dev-null", TarArchiveEntry.LF_CHR);
        tar.putArchiveEntry(device);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
