package io.fathom.tools.search;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * The title and text of one document: plain text and Markdown decoded (a byte-order mark decides
 * the charset, else UTF-8), HTML parsed with jsoup (scripts, styles and navigation dropped, blocks
 * on their own lines), PDF text extracted with PDFBox. Titles: HTML {@code <title>} (else the
 * first {@code <h1>}), Markdown's first {@code # } heading, the PDF's title metadata, else the file
 * name. Documents that cannot be read, or have no text, are a {@link SkippedDocument}. Blocking.
 */
final class DocumentExtractor {

  private static final Pattern MARKDOWN_TITLE = Pattern.compile("(?m)^ {0,3}# +(.+?)(?: +#+)? *$");
  private static final String DROPPED =
      "script, style, noscript, template, svg, canvas, iframe, object, embed, nav, button, select, textarea, input,"
          + " [hidden]";
  private static final Set<String> BLOCKS =
      Set.of(
          "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "ul", "ol", "li", "dl",
          "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "figure", "figcaption", "br", "hr",
          "address", "details", "summary", "form", "fieldset", "caption");

  private DocumentExtractor() {}

  /** The document {@code bytes} of {@code kind}, named {@code fileName}. */
  static ExtractedDocument extract(String fileName, DocumentKind kind, byte[] bytes) {
    String name = DocumentKind.baseName(fileName);
    ExtractedDocument document =
        switch (kind) {
          case TEXT -> text(name, bytes);
          case MARKDOWN -> markdown(name, bytes);
          case HTML -> html(name, bytes);
          case JSON -> JsonText.extract(name, decode(bytes));
          case PDF -> pdf(name, bytes);
          case ZIP, TAR, TAR_GZ -> throw new SkippedDocument("an archive inside an archive is not read");
        };
    if (document.text().isBlank()) {
      throw new SkippedDocument(kind == DocumentKind.PDF ? "no text (a scanned PDF?)" : "no text");
    }
    return document;
  }

  private static ExtractedDocument text(String name, byte[] bytes) {
    if (!DocumentKind.looksLikeText(bytes, Math.min(bytes.length, DocumentKind.SNIFF_BYTES))) {
      throw new SkippedDocument("binary content in a text file");
    }
    return new ExtractedDocument(name, tidy(decode(bytes)));
  }

  private static ExtractedDocument markdown(String name, byte[] bytes) {
    String text = tidy(decode(bytes));
    Matcher heading = MARKDOWN_TITLE.matcher(text);
    String title = heading.find() ? heading.group(1).strip() : "";
    return new ExtractedDocument(title.isEmpty() ? name : title, text);
  }

  private static ExtractedDocument html(String name, byte[] bytes) {
    Document document;
    try {
      document = Jsoup.parse(new ByteArrayInputStream(bytes), null, "");
    } catch (IOException | RuntimeException e) {
      throw new SkippedDocument("unreadable HTML: " + e.getMessage());
    }
    String title = document.title().strip();
    if (title.isEmpty()) {
      Element h1 = document.selectFirst("h1");
      title = h1 == null ? "" : h1.text().strip();
    }
    document.select(DROPPED).remove();
    HtmlLines lines = new HtmlLines();
    if (document.body() != null) {
      NodeTraversor.traverse(lines, document.body());
    }
    return new ExtractedDocument(title.isEmpty() ? name : title, tidy(lines.out.toString()));
  }

  private static ExtractedDocument pdf(String name, byte[] bytes) {
    try (PDDocument document = Loader.loadPDF(bytes)) {
      if (document.isEncrypted() && !document.getCurrentAccessPermission().canExtractContent()) {
        throw new SkippedDocument("an encrypted PDF whose permissions forbid extracting its text");
      }
      String text = new PDFTextStripper().getText(document);
      String title = document.getDocumentInformation().getTitle();
      return new ExtractedDocument(title == null || title.isBlank() ? name : title.strip(), tidy(text));
    } catch (InvalidPasswordException e) {
      throw new SkippedDocument("a password-protected PDF");
    } catch (IOException | RuntimeException e) {
      if (e instanceof SkippedDocument skipped) {
        throw skipped;
      }
      throw new SkippedDocument("unreadable PDF: " + e.getMessage());
    }
  }

  /** Decodes by byte-order mark, else as UTF-8; malformed bytes become U+FFFD. */
  static String decode(byte[] bytes) {
    if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf) {
      return new String(bytes, 3, bytes.length - 3, StandardCharsets.UTF_8);
    }
    if (bytes.length >= 2 && (bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xff) == 0xff) {
      return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16BE);
    }
    if (bytes.length >= 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xfe) {
      return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16LE);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Unix line ends, no trailing spaces, at most one blank line in a row, no NULs. */
  static String tidy(String text) {
    String unix = text.replace("\r\n", "\n").replace('\r', '\n').replace("\u0000", "");
    StringBuilder out = new StringBuilder(unix.length());
    int blank = 0;
    for (String line : unix.split("\n", -1)) {
      String stripped = line.stripTrailing();
      if (stripped.isEmpty()) {
        if (++blank > 1 || out.isEmpty()) {
          continue;
        }
      } else {
        blank = 0;
      }
      out.append(stripped).append('\n');
    }
    return out.toString().strip();
  }

  /** Writes the text of an HTML body with its blocks on lines of their own. */
  private static final class HtmlLines implements NodeVisitor {

    private final StringBuilder out = new StringBuilder();
    private int preformatted;

    @Override
    public void head(Node node, int depth) {
      if (node instanceof TextNode text) {
        if (preformatted > 0) {
          out.append(text.getWholeText());
        } else {
          String words = text.getWholeText().replace('\u00a0', ' ').replaceAll("\\s+", " ");
          if (words.startsWith(" ") && (out.isEmpty() || Character.isWhitespace(out.charAt(out.length() - 1)))) {
            words = words.substring(1);
          }
          out.append(words);
        }
      } else if (node instanceof Element element) {
        if (element.normalName().equals("pre")) {
          preformatted++;
        }
        if (BLOCKS.contains(element.normalName())) {
          newLine();
        } else if (element.normalName().equals("td") || element.normalName().equals("th")) {
          out.append(' ');
        }
      }
    }

    @Override
    public void tail(Node node, int depth) {
      if (node instanceof Element element) {
        if (element.normalName().equals("pre")) {
          preformatted--;
        }
        if (BLOCKS.contains(element.normalName())) {
          newLine();
        }
      }
    }

    private void newLine() {
      if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') {
        out.append('\n');
      }
    }
  }
}
