package io.fathom.protocol.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.protocol.chat.ParseEvent.ContentDelta;
import io.fathom.protocol.chat.ParseEvent.ReasoningDelta;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every output must parse to the same events and turn however it is cut into chunks. */
class ChunkBoundaryTest {

  private static final String CALL =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich 😀\"}}\n</tool_call>";

  static Stream<Arguments> outputs() {
    return Stream.of(
        Arguments.of("<think>\nR < S\n</think>\n\nAnswer <div> a<b", "stop", ReasoningStart.DETECT),
        Arguments.of("<think>\n\nR\n\n</think>\n\n\nA\n", "stop", ReasoningStart.DETECT),
        Arguments.of("<think>\nplan\n</think>\n\nFirst.\n" + CALL + "\nthen\n" + CALL + "\n" + CALL, "stop",
            ReasoningStart.DETECT),
        Arguments.of("bare reasoning <tool_call> mention\n</think>\n\nA" + CALL, "stop", ReasoningStart.DETECT),
        Arguments.of("  \n<think>\nR</think>A</think>B<think>C", "length", ReasoningStart.DETECT),
        Arguments.of("plain content <thin <tool_cal </thin x", "stop", ReasoningStart.DETECT),
        Arguments.of("content then call\n" + CALL + " and <think", "stop", ReasoningStart.DETECT),
        Arguments.of("<think>\nR\n</think>\n\n<tool_call>get_weather</tool_call>\n<tool_call>{\"name\": 1}"
            + "</tool_call><tool_call>{\"name\": \"x\"}</tool_call><tool_call>{bad}</tool_call>", "stop",
            ReasoningStart.DETECT),
        Arguments.of("<think>\nR\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"argu", "length",
            ReasoningStart.DETECT),
        Arguments.of("<tool_call>{\"name\": \"get_weather\"}\n</tool_", "stop", ReasoningStart.DETECT),
        Arguments.of("<think>\nnever closed </thin", "length", ReasoningStart.DETECT),
        Arguments.of("prompt-opened\n</think>\n\n" + CALL, "stop", ReasoningStart.OPENED_BY_PROMPT),
        Arguments.of("\nprompt-opened, unclosed\n", "length", ReasoningStart.OPENED_BY_PROMPT),
        Arguments.of("<think>\n😀中\n</think>\n\n文字😀", "stop", ReasoningStart.DETECT),
        Arguments.of("", "stop", ReasoningStart.DETECT),
        Arguments.of("<", "stop", ReasoningStart.DETECT));
  }

  @ParameterizedTest
  @MethodSource("outputs")
  void everySplitPointGivesTheSameResultAsTheWholeText(String text, String finish, ReasoningStart start) {
    ParserRun whole = ParserRun.whole(text, finish, start);

    for (int cut = 0; cut <= text.length(); cut++) {
      assertSameResult(ParserRun.of(ParserRun.splitAt(text, cut), finish, start, ParserRun.TOOLS), whole, "cut " + cut);
    }
    assertSameResult(ParserRun.of(ParserRun.singleChars(text), finish, start, ParserRun.TOOLS), whole, "chars");
  }

  @ParameterizedTest
  @MethodSource("outputs")
  void everyPairOfSplitPointsGivesTheSameResult(String text, String finish, ReasoningStart start) {
    ParserRun whole = ParserRun.whole(text, finish, start);
    int length = Math.min(text.length(), 90);

    for (int first = 0; first <= length; first++) {
      for (int second = first; second <= length; second++) {
        assertSameResult(
            ParserRun.of(ParserRun.splitAt(text, first, second), finish, start, ParserRun.TOOLS),
            whole,
            "cuts " + first + ", " + second);
      }
    }
  }

  private static void assertSameResult(ParserRun actual, ParserRun expected, String how) {
    assertThat(actual.coalesced()).as(how).isEqualTo(expected.coalesced());
    assertThat(actual.turn()).as(how).isEqualTo(expected.turn());
    assertThat(actual.events()).as(how).allSatisfy(ChunkBoundaryTest::assertWellFormedDelta);
  }

  /** No empty delta, and no delta that starts or ends inside a surrogate pair. */
  private static void assertWellFormedDelta(ParseEvent event) {
    String text =
        switch (event) {
          case ContentDelta(String t) -> t;
          case ReasoningDelta(String t) -> t;
          default -> null;
        };
    if (text != null) {
      assertThat(text).isNotEmpty();
      assertThat(Character.isLowSurrogate(text.charAt(0))).as("starts inside a pair: %s", text).isFalse();
      assertThat(Character.isHighSurrogate(text.charAt(text.length() - 1))).as("ends inside a pair: %s", text).isFalse();
    }
  }
}
