package io.fathom.protocol.chat;

import static io.fathom.protocol.chat.NanbeigeOutputParser.MAX_CONTENT_CHARS;
import static io.fathom.protocol.chat.NanbeigeOutputParser.MAX_REASONING_CHARS;
import static io.fathom.protocol.chat.NanbeigeOutputParser.MAX_TOOL_CALL_BODY_CHARS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fathom.protocol.chat.ParseEvent.ContentDelta;
import io.fathom.protocol.chat.ParseEvent.ParseError;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SizeLimitsTest {

  private static final String MIB_OF_A = "a".repeat(1 << 20);

  private final List<ParseEvent> events = new ArrayList<>();

  private NanbeigeOutputParser parser() {
    return new NanbeigeOutputParser(ParserRun.TOOLS, events::add);
  }

  private List<ParseErrorKind> errorKinds() {
    return events.stream().filter(ParseError.class::isInstance).map(e -> ((ParseError) e).kind()).toList();
  }

  /** A valid call whose body (text between the tags) is exactly {@code length} chars. */
  private static String bodyOfLength(int length) {
    String head = "{\"name\": \"web_search\", \"arguments\": {\"q\": \"";
    String tail = "\"}}";
    return head + "q".repeat(length - head.length() - tail.length()) + tail;
  }

  @Test
  void limitsAreTheStatedSizes() {
    assertThat(MAX_TOOL_CALL_BODY_CHARS).isEqualTo(1024 * 1024);
    assertThat(MAX_REASONING_CHARS).isEqualTo(16 * 1024 * 1024);
    assertThat(MAX_CONTENT_CHARS).isEqualTo(16 * 1024 * 1024);
  }

  @Test
  void bodyOfExactlyTheLimitIsAccepted() {
    NanbeigeOutputParser parser = parser();
    parser.feed("<tool_call>" + bodyOfLength(MAX_TOOL_CALL_BODY_CHARS) + "</tool_call>");
    ParsedTurn turn = parser.finish("stop");

    assertThat(turn.errors()).isEmpty();
    assertThat(turn.toolCalls()).singleElement().extracting(ToolCallParsed::name).isEqualTo("web_search");
  }

  @Test
  void bodyOneCharOverTheLimitIsAnError() {
    NanbeigeOutputParser parser = parser();
    parser.feed("<tool_call>" + bodyOfLength(MAX_TOOL_CALL_BODY_CHARS + 1) + "</tool_call>after");
    ParsedTurn turn = parser.finish("stop");

    assertThat(turn.toolCalls()).isEmpty();
    assertThat(turn.errors()).singleElement().satisfies(error -> {
      assertThat(error.kind()).isEqualTo(ParseErrorKind.TOOL_CALL_TOO_LARGE);
      assertThat(error.raw()).hasSize(1024);
      assertThat(error.detail()).contains(String.valueOf(MAX_TOOL_CALL_BODY_CHARS));
    });
    assertThat(turn.content()).isEqualTo("after");
  }

  @Test
  void unclosedOversizedBodyIsReportedWhileStreamingAndThenSkipped() {
    NanbeigeOutputParser parser = parser();
    parser.feed("<think>\n\n</think>\n\n<tool_call>{\"name\": \"web_search\", \"arguments\": {\"q\": \"");
    parser.feed(MIB_OF_A);
    assertThat(errorKinds()).containsExactly(ParseErrorKind.TOOL_CALL_TOO_LARGE);

    for (int i = 0; i < 3; i++) {
      parser.feed(MIB_OF_A);
    }
    parser.feed("\"}}</tool");
    parser.feed("_call>\nDone.\n<tool_call>{\"name\": \"get_weather\"}</tool_call>");
    ParsedTurn turn = parser.finish("stop");

    assertThat(turn.errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.TOOL_CALL_TOO_LARGE);
    assertThat(turn.content()).isEqualTo("Done.");
    assertThat(turn.toolCalls()).containsExactly(new ToolCallParsed(0, "get_weather", "{}"));
  }

  @Test
  void oversizedBodyCutByLengthIsReportedOnce() {
    NanbeigeOutputParser parser = parser();
    parser.feed("<tool_call>");
    parser.feed(MIB_OF_A);
    parser.feed(MIB_OF_A);
    ParsedTurn turn = parser.finish("length");

    assertThat(turn.errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.TOOL_CALL_TOO_LARGE);
  }

  @Test
  void reasoningIsTruncatedAtItsLimitAndTheAnswerStillParsed() {
    NanbeigeOutputParser parser = parser();
    parser.feed("<think>\n");
    for (int i = 0; i < 17; i++) {
      parser.feed(MIB_OF_A);
    }
    assertThat(errorKinds()).containsExactly(ParseErrorKind.REASONING_TOO_LONG);
    parser.feed("\n</think>\n\nAnswer");
    ParsedTurn turn = parser.finish("stop");

    assertThat(turn.reasoning()).hasSize(MAX_REASONING_CHARS);
    assertThat(turn.content()).isEqualTo("Answer");
    assertThat(turn.errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.REASONING_TOO_LONG);
    long streamed =
        events.stream()
            .filter(ParseEvent.ReasoningDelta.class::isInstance)
            .mapToLong(e -> ((ParseEvent.ReasoningDelta) e).text().length())
            .sum();
    assertThat(streamed).isEqualTo(MAX_REASONING_CHARS);
  }

  @Test
  void textWithoutThinkTagsStopsBeingHeldBackOnceLongerThanAnyReasoning() {
    NanbeigeOutputParser parser = parser();
    for (int i = 0; i < 16; i++) {
      parser.feed(MIB_OF_A);
    }
    assertThat(events).isEmpty();

    parser.feed("b");
    assertThat(events).first().isInstanceOf(ContentDelta.class);
    parser.feed("</think>tail");
    ParsedTurn turn = parser.finish("stop");

    assertThat(turn.reasoning()).isEmpty();
    assertThat(turn.content()).hasSize(MAX_CONTENT_CHARS);
    assertThat(turn.errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.CONTENT_TOO_LONG);
  }

  @Test
  void contentIsTruncatedAtItsLimit() {
    NanbeigeOutputParser parser = parser();
    parser.feed("<think>\n\n</think>\n\n");
    for (int i = 0; i < 17; i++) {
      parser.feed(MIB_OF_A);
    }
    parser.feed(" <tool_call>{\"name\": \"get_weather\"}</tool_call>");
    ParsedTurn turn = parser.finish("stop");

    assertThat(turn.content()).hasSize(MAX_CONTENT_CHARS);
    assertThat(turn.errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.CONTENT_TOO_LONG);
    assertThat(turn.toolCalls()).hasSize(1);
  }

  @Test
  void largeOutputsWithManyTagsParseInLinearTime() {
    String block = "text ".repeat(80) + "\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>\n";
    String output = block.repeat(20_000); // ~9 MiB, 20 000 calls, no think tags: read at finish
    ParsedTurn turn =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> NanbeigeOutputParser.parseAll(output, "stop", ParserRun.TOOLS));

    assertThat(turn.toolCalls()).hasSize(20_000);
    assertThat(turn.toolCalls().getLast().index()).isEqualTo(19_999);
    assertThat(turn.errors()).isEmpty();
  }
}
