package io.fathom.tools.visit;

import static org.assertj.core.api.Assertions.assertThat;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

class HtmlTextTest {

  private static String text(String html) {
    return HtmlText.text(Jsoup.parse(html, "https://example.com/dir/page"));
  }

  @Test
  void keepsAnArticlesOwnHeaderButDropsThePagesChrome() {
    String text =
        text(
            "<body><header>Site</header><article><header><h1>Story</h1></header><p>Body.</p>"
                + "<footer>By a reporter</footer></article><footer>Site footer</footer></body>");

    assertThat(text).isEqualTo("# Story\n\nBody.\n\nBy a reporter");
  }

  @Test
  void writesPreformattedTextAsAFencedBlockAndTablesAsRows() {
    String text =
        text(
            "<body><pre>def f():\n    return 1</pre><table><tr><th>Depth</th><th>Zone</th></tr>"
                + "<tr><td>200 m</td><td>twilight</td></tr></table></body>");

    assertThat(text).isEqualTo("```\ndef f():\n    return 1\n```\n\nDepth | Zone\n200 m | twilight");
  }

  @Test
  void resolvesRelativeLinksAndSkipsAnchorsAndNonHttpLinks() {
    String text =
        text(
            "<p><a href=\"../other\">Other</a>, <a href=\"#top\">top</a>, <a href=\"mailto:a@b.c\">mail</a>,"
                + " <a href=\"https://example.org/\">https://example.org/</a></p>");

    assertThat(text).isEqualTo("Other (https://example.com/other), top, mail, https://example.org/");
  }

  @Test
  void nestsListsAndBreaksLines() {
    String text = text("<ul><li>one<ul><li>one.a</li></ul></li><li>two<br>continued</li></ul>");

    assertThat(text).isEqualTo("- one\n  - one.a\n- two\ncontinued");
  }

  @Test
  void fallsBackToTheFirstHeadingForTheTitle() {
    Document document = Jsoup.parse("<body><h1> Heading title </h1></body>");

    assertThat(HtmlText.title(document)).isEqualTo("Heading title");
    assertThat(HtmlText.title(Jsoup.parse("<p>none</p>"))).isNull();
  }
}
