package io.fathom.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ToolOutputLimiterTest {

  private static final String NOTE_START = "\n[output truncated:";

  @Test
  void shortTextIsReturnedUntouched() {
    ToolOutputLimiter limiter = new ToolOutputLimiter(256);

    assertThat(limiter.limit("hello")).isEqualTo("hello");
    assertThat(limiter.limit("")).isEmpty();
    String exactly = "x".repeat(256);
    assertThat(limiter.limit(exactly)).isSameAs(exactly);
  }

  @Test
  void longTextIsCutToTheBudgetWithANote() {
    ToolOutputLimiter limiter = new ToolOutputLimiter(300);
    String text = "0123456789".repeat(100); // 1000 chars

    String limited = limiter.limit(text);

    assertThat(limited).hasSizeLessThanOrEqualTo(300);
    assertThat(limited).contains("truncated").contains("1000");
    int noteAt = limited.indexOf(NOTE_START);
    assertThat(noteAt).isPositive();
    assertThat(text).startsWith(limited.substring(0, noteAt));
    // Nothing is wasted: the kept text plus the note fill the budget.
    assertThat(limited).hasSize(300);
    // The note states how much is shown.
    assertThat(limited).contains("showing the first " + noteAt + " of 1000");
  }

  @Test
  void oneCharacterOverTheBudgetIsTruncated() {
    ToolOutputLimiter limiter = new ToolOutputLimiter(256);
    String text = "y".repeat(257);

    String limited = limiter.limit(text);

    assertThat(limited).hasSizeLessThanOrEqualTo(256).contains("257").isNotEqualTo(text);
  }

  @Test
  void hugeTextStaysWithinTheBudget() {
    ToolOutputLimiter limiter = new ToolOutputLimiter(256);
    String text = "z".repeat(5_000_000);

    String limited = limiter.limit(text);

    assertThat(limited).hasSizeLessThanOrEqualTo(256).contains("5000000");
  }

  @Test
  void neverSplitsASurrogatePair() {
    ToolOutputLimiter limiter = new ToolOutputLimiter(256);
    String emojis = "\uD83D\uDE00".repeat(1000); // 😀 x 1000, 2000 chars
    // With and without a one-char prefix, so that the cut lands both between and inside pairs.
    for (String prefix : new String[] {"", "a"}) {
      String text = prefix + emojis;

      String limited = limiter.limit(text);

      assertThat(limited).as(prefix).hasSizeLessThanOrEqualTo(256);
      int noteAt = limited.indexOf(NOTE_START);
      assertThat(noteAt).isPositive();
      String kept = limited.substring(0, noteAt);
      assertThat(text).startsWith(kept);
      assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1)))
          .as("kept text ends in a lone high surrogate (prefix '%s')", prefix)
          .isFalse();
      assertThat(kept.codePoints().noneMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE))
          .isTrue();
    }
  }

  @Test
  void constructorRejectsBudgetsBelow256() {
    assertThatThrownBy(() -> new ToolOutputLimiter(255))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("255");
    assertThatThrownBy(() -> new ToolOutputLimiter(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ToolOutputLimiter(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatCode(() -> new ToolOutputLimiter(256)).doesNotThrowAnyException();
  }
}
