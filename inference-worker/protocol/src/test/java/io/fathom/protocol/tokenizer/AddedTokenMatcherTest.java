package io.fathom.protocol.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Added-token splitting options, on the examples of the Hugging Face tokenizers test suite. */
class AddedTokenMatcherTest {

  private static AddedToken token(int id, String content, boolean lstrip, boolean rstrip, boolean singleWord) {
    return new AddedToken(id, content, false, lstrip, rstrip, false, singleWord);
  }

  private static List<String> spans(AddedTokenMatcher matcher, String text) {
    List<String> out = new ArrayList<>();
    matcher.split(text, (start, end, token) -> out.add(text.substring(start, end) + (token == null ? "" : "=" + token.id())));
    return out;
  }

  @Test
  void lstripRstripAndSingleWord() {
    AddedTokenMatcher matcher =
        new AddedTokenMatcher(
            List.of(
                token(0, "my", true, true, false),
                token(1, "name", false, false, false),
                token(2, "ony", false, false, true),
                token(3, "[CLS]", false, false, false),
                token(4, "[SEP]", false, false, false)),
            s -> s);
    assertThat(spans(matcher, "[CLS] my name is anthony [SEP]"))
        .containsExactly("[CLS]=3", " my =0", "name=1", " is anthony ", "[SEP]=4");
  }

  @Test
  void singleWordNeedsNonWordNeighbours() {
    AddedTokenMatcher matcher = new AddedTokenMatcher(List.of(token(0, "<mask>", false, false, true)), s -> s);
    assertThat(spans(matcher, "<mask> my name <mask> a<mask> <mask>ony <mask>"))
        .containsExactly("<mask>=0", " my name ", "<mask>=0", " a<mask> <mask>ony ", "<mask>=0");
    // punctuation is not a word character, a combining mark is
    assertThat(spans(matcher, "<mask>, <mask>- \u25CC\u0330<mask>"))
        .containsExactly("<mask>=0", ", ", "<mask>=0", "- \u25CC\u0330<mask>");
  }

  @Test
  void stripsUnicodeWhitespaceWithoutOverlapping() {
    AddedTokenMatcher matcher = new AddedTokenMatcher(List.of(token(0, "<mask>", true, true, true)), s -> s);
    assertThat(spans(matcher, "hi <mask> there\t<mask>\t<mask>\u2000"))
        .containsExactly("hi", " <mask> =0", "there", "\t<mask>\t=0", "<mask>\u2000=0");
  }

  @Test
  void emptyMatcherYieldsTheWholeText() {
    AddedTokenMatcher matcher = new AddedTokenMatcher(List.of(), s -> s);
    assertThat(matcher.isEmpty()).isTrue();
    assertThat(spans(matcher, "abc")).containsExactly("abc");
  }
}
