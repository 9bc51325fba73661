package io.fathom.tools.visit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * The readable text of an HTML page, parsed with jsoup: scripts, styles, navigation, page headers
 * and footers, asides and other chrome are dropped; headings become Markdown {@code #} lines,
 * paragraphs and list items their own lines, links {@code text (url)}, preformatted text a fenced
 * block. The charset is the header's, else the page's BOM or {@code <meta>}, else UTF-8. Blocking.
 */
final class HtmlText {

  private static final String DROPPED =
      "script, style, noscript, template, svg, canvas, iframe, object, embed, nav, aside, button, select, textarea,"
          + " input, [hidden], [aria-hidden=true]";

  private static final Set<String> BLOCKS =
      Set.of(
          "div", "section", "article", "main", "blockquote", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody",
          "tfoot", "tr", "figure", "figcaption", "form", "fieldset", "address", "details", "summary", "hr", "center",
          "caption", "body");

  private HtmlText() {}

  static ReadableText extract(FetchedBody body) {
    Document document;
    try {
      document =
          Jsoup.parse(
              new ByteArrayInputStream(body.bytes()),
              body.charset() == null ? null : body.charset().name(),
              body.url().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ReadableText(title(document), body.url().toString(), text(document), null);
  }

  /** The page's {@code <title>}, else its first {@code <h1>}, else {@code null}. */
  static String title(Document document) {
    String title = document.title().strip();
    if (title.isEmpty()) {
      Element h1 = document.selectFirst("h1");
      title = h1 == null ? "" : h1.text().strip();
    }
    return title.isEmpty() ? null : title;
  }

  /** The body's readable text. Removes the dropped elements from {@code document}. */
  static String text(Document document) {
    document.select(DROPPED).remove();
    // Page-level headers and footers are chrome; an article's own header holds its title.
    for (Element element : document.select("header, footer")) {
      if (element.parent() != null && element.parent().closest("article, main") == null) {
        element.remove();
      }
    }
    Renderer renderer = new Renderer();
    NodeTraversor.traverse(renderer, document.body());
    return TextPages.tidy(renderer.out.toString());
  }

  /** Writes the nodes it visits as lines of text. */
  private static final class Renderer implements NodeVisitor {

    private final StringBuilder out = new StringBuilder();
    private int preformatted;
    private int lists;
    private boolean space;

    @Override
    public void head(Node node, int depth) {
      if (node instanceof TextNode text) {
        write(text);
        return;
      }
      if (!(node instanceof Element element)) {
        return;
      }
      String name = element.normalName();
      switch (name) {
        case "h1", "h2", "h3", "h4", "h5", "h6" -> {
          blankLine();
          out.append("#".repeat(name.charAt(1) - '0')).append(' ');
        }
        case "p" -> blankLine();
        case "ul", "ol" -> {
          newLine();
          lists++;
        }
        case "li" -> {
          newLine();
          out.append("  ".repeat(Math.max(0, lists - 1))).append("- ");
        }
        case "br" -> {
          out.append('\n');
          space = false;
        }
        case "td", "th" -> {
          if (element.previousElementSibling() != null) {
            out.append(" | ");
            space = false;
          }
        }
        case "pre" -> {
          blankLine();
          out.append("```\n");
          preformatted++;
        }
        default -> {
          if (BLOCKS.contains(name)) {
            newLine();
          }
        }
      }
    }

    @Override
    public void tail(Node node, int depth) {
      if (!(node instanceof Element element)) {
        return;
      }
      String name = element.normalName();
      switch (name) {
        case "h1", "h2", "h3", "h4", "h5", "h6", "p" -> blankLine();
        case "ul", "ol" -> {
          lists--;
          newLine();
        }
        case "pre" -> {
          preformatted--;
          newLine();
          out.append("```");
          blankLine();
        }
        case "a" -> link(element);
        default -> {
          if (BLOCKS.contains(name) || name.equals("li")) {
            newLine();
          }
        }
      }
    }

    private void write(TextNode node) {
      if (preformatted > 0) {
        out.append(node.getWholeText());
        return;
      }
      String raw = node.getWholeText().replace('\u00a0', ' ');
      String text = raw.strip().replaceAll("\\s+", " ");
      if (text.isEmpty()) {
        space = space || !raw.isEmpty();
        return;
      }
      if ((space || Character.isWhitespace(raw.charAt(0))) && !atLineStart() && !endsWithSpace()) {
        out.append(' ');
      }
      out.append(text);
      space = Character.isWhitespace(raw.charAt(raw.length() - 1));
    }

    /** Appends {@code (url)} after a link's text, for links to other http(s) pages. */
    private void link(Element a) {
      String href = a.attr("href").strip();
      if (href.isEmpty() || href.startsWith("#")) {
        return;
      }
      String url = a.absUrl("href");
      String lower = url.toLowerCase(Locale.ROOT);
      String text = a.text().strip();
      if (text.isEmpty() || text.equals(url) || !(lower.startsWith("http://") || lower.startsWith("https://"))) {
        return;
      }
      out.append(" (").append(url).append(')');
    }

    private boolean atLineStart() {
      return out.isEmpty() || out.charAt(out.length() - 1) == '\n';
    }

    private boolean endsWithSpace() {
      return !out.isEmpty() && out.charAt(out.length() - 1) == ' ';
    }

    private void newLine() {
      if (!atLineStart()) {
        out.append('\n');
      }
      space = false;
    }

    private void blankLine() {
      newLine();
      if (!out.isEmpty() && !(out.length() >= 2 && out.charAt(out.length() - 2) == '\n')) {
        out.append('\n');
      }
    }
  }
}
