package io.fathom.tools.visit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextPagesTest {

  @Test
  void keepsShortTextOnOnePage() {
    assertThat(TextPages.split("short", 500).pages()).containsExactly("short");
    assertThat(TextPages.split("", 500).pages()).containsExactly("");
  }

  @Test
  void cutsOnLineBreaks() {
    String line = "x".repeat(99) + "\n";
    TextPages pages = TextPages.split(line.repeat(12), 550);

    assertThat(pages.count()).isEqualTo(3);
    assertThat(pages.page(1)).isEqualTo((line.repeat(5)).stripTrailing());
    assertThat(pages.page(3)).isEqualTo((line.repeat(2)).stripTrailing());
  }

  @Test
  void cutsOnWhitespaceWithinALongLine() {
    String words = "word ".repeat(300);
    TextPages pages = TextPages.split(words, 502);

    assertThat(pages.pages()).allSatisfy(p -> assertThat(p).startsWith("word").endsWith("word"));
    assertThat(String.join(" ", pages.pages())).isEqualTo(words.strip());
  }

  @Test
  void neverSplitsASurrogatePair() {
    String emoji = "\uD83D\uDC1F".repeat(600);
    TextPages pages = TextPages.split(emoji, 501);

    assertThat(pages.pages()).allSatisfy(p -> assertThat(Character.isHighSurrogate(p.charAt(p.length() - 1))).isFalse());
    assertThat(String.join("", pages.pages())).isEqualTo(emoji);
  }

  @Test
  void tidiesLineBreaksControlsAndBlankRuns() {
    assertThat(TextPages.tidy("\n a \r\nb\u0000 \t\r\r\n\n\nc  \n")).isEqualTo("a\nb\n\nc");
  }
}
