package io.fathom.protocol.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.protocol.chat.ParseEvent.ContentDelta;
import io.fathom.protocol.chat.ParseEvent.ParseError;
import io.fathom.protocol.chat.ParseEvent.ReasoningDelta;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class NanbeigeOutputParserTest {

  private static final String WEATHER_CALL =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

  @Nested
  class Reasoning {

    @Test
    void splitsThinkBlockFromContentAndStripsTheTemplateNewlines() {
      ParserRun run = ParserRun.whole("<think>\nLet me think.\n</think>\n\nHello!");

      assertThat(run.coalesced())
          .containsExactly(new ReasoningDelta("Let me think."), new ContentDelta("Hello!"));
      assertThat(run.turn().reasoning()).isEqualTo("Let me think.");
      assertThat(run.turn().content()).isEqualTo("Hello!");
      assertThat(run.turn().errors()).isEmpty();
    }

    @Test
    void stripsOnlyOneNewlineAfterThinkAndBeforeCloseAndTwoAfterClose() {
      ParserRun run = ParserRun.whole("<think>\n\nR\n\n</think>\n\n\nHello");

      assertThat(run.coalesced())
          .containsExactly(new ReasoningDelta("\nR\n"), new ContentDelta("\nHello"));
      assertThat(run.turn().reasoning()).isEqualTo("\nR\n");
      assertThat(run.turn().content()).isEqualTo("Hello");
    }

    @Test
    void keepsSpacesAndTextThatAreNotTheTemplateNewlines() {
      ParserRun run = ParserRun.whole("<think> R </think> Hello");

      assertThat(run.coalesced()).containsExactly(new ReasoningDelta(" R "), new ContentDelta(" Hello"));
    }

    @Test
    void emptyThinkBlockGivesNoReasoning() {
      ParserRun run = ParserRun.whole("<think>\n\n</think>\n\nAnswer");

      assertThat(run.coalesced()).containsExactly(new ContentDelta("Answer"));
      assertThat(run.turn().reasoning()).isEmpty();
    }

    @Test
    void reasoningWithoutOpeningTagBecomesReasoningWhenCloseTagFollows() {
      ParserRun run = ParserRun.whole("I should greet.\n</think>\n\nHi there");

      assertThat(run.coalesced())
          .containsExactly(new ReasoningDelta("I should greet."), new ContentDelta("Hi there"));
      assertThat(run.turn().errors()).isEmpty();
    }

    @Test
    void withoutOpeningTagTextIsHeldBackUntilItIsKnownToBeReasoning() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, events::add);

      parser.feed("Thinking about <tool_call> syntax ");
      parser.feed("and more");
      assertThat(events).isEmpty();

      parser.feed("\n</think>\n\nDone");
      assertThat(ParserRun.coalesce(events))
          .containsExactly(
              new ReasoningDelta("Thinking about <tool_call> syntax and more"), new ContentDelta("Done"));
    }

    @Test
    void explicitThinkStreamsReasoningBeforeTheBlockCloses() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, events::add);

      parser.feed("<think>\nstep one");

      assertThat(events).containsExactly(new ReasoningDelta("step one"));
    }

    @Test
    void newlineThatMayPrecedeTheCloseTagIsHeldBack() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, events::add);

      parser.feed("<think>\nline\n");
      assertThat(events).containsExactly(new ReasoningDelta("line"));
      parser.feed("more");
      assertThat(ParserRun.coalesce(events)).containsExactly(new ReasoningDelta("line\nmore"));
    }

    @Test
    void whitespaceBeforeTheOpeningTagIsDropped() {
      ParserRun run = ParserRun.whole(" \n<think>\nR\n</think>\n\nA");

      assertThat(run.coalesced()).containsExactly(new ReasoningDelta("R"), new ContentDelta("A"));
    }

    @Test
    void promptOpenedThinkStreamsAtOnceAndDoesNotStripALeadingNewline() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser =
          new NanbeigeOutputParser(ParserRun.TOOLS, ReasoningStart.OPENED_BY_PROMPT, events::add);

      parser.feed("\nplan");
      assertThat(events).containsExactly(new ReasoningDelta("\nplan"));
      parser.feed("\n</think>\n\nAnswer");
      ParsedTurn turn = parser.finish("stop");

      assertThat(turn.reasoning()).isEqualTo("\nplan");
      assertThat(turn.content()).isEqualTo("Answer");
    }

    @Test
    void toolCallTagInsideThinkIsReasoningText() {
      ParserRun run =
          ParserRun.whole("<think>\nI will write <tool_call> next.\n</think>\n\n" + WEATHER_CALL);

      assertThat(run.turn().reasoning()).isEqualTo("I will write <tool_call> next.");
      assertThat(run.turn().toolCalls()).hasSize(1);
      assertThat(run.turn().errors()).isEmpty();
    }

    @Test
    void strayCloseTagInContentIsDropped() {
      ParserRun run = ParserRun.whole("<think>\nR\n</think>\n\nA</think>\n\nB");

      assertThat(run.coalesced()).containsExactly(new ReasoningDelta("R"), new ContentDelta("AB"));
    }

    @Test
    void aLaterThinkBlockIsReasoningToo() {
      ParserRun run = ParserRun.whole("<think>\nR1\n</think>\n\n" + WEATHER_CALL + "\n<think>\nR2\n</think>\n\nA");

      assertThat(run.turn().reasoning()).isEqualTo("R1R2");
      assertThat(run.turn().content()).isEqualTo("A");
      assertThat(run.turn().toolCalls()).hasSize(1);
    }
  }

  @Nested
  class UnclosedThink {

    @Test
    void stopInsideThinkIsAnErrorAndAllTextIsReasoning() {
      ParserRun run = ParserRun.whole("<think>\nStill thinking <tool_call> about it\n", "stop");

      assertThat(run.turn().reasoning()).isEqualTo("Still thinking <tool_call> about it\n");
      assertThat(run.turn().content()).isEmpty();
      assertThat(run.turn().toolCalls()).isEmpty();
      assertThat(run.turn().errors()).singleElement().satisfies(error -> {
        assertThat(error.kind()).isEqualTo(ParseErrorKind.UNCLOSED_THINK);
        assertThat(error.detail()).contains("</think> was never written").contains("ended");
      });
    }

    @Test
    void lengthInsideThinkSaysTheLimitWasReached() {
      ParserRun run = ParserRun.whole("<think>\nloop loop loop", "length");

      assertThat(run.turn().errors()).singleElement().satisfies(error -> {
        assertThat(error.kind()).isEqualTo(ParseErrorKind.UNCLOSED_THINK);
        assertThat(error.detail()).contains("length limit");
      });
      assertThat(run.turn().finishReason()).isEqualTo("length");
    }

    @Test
    void heldBackPartialCloseTagIsReasoningAtTheEnd() {
      ParserRun run = ParserRun.whole("<think>\nabc\n</thi", "length");

      assertThat(run.turn().reasoning()).isEqualTo("abc\n</thi");
      assertThat(run.coalesced().getLast()).isInstanceOf(ParseError.class);
    }

    @Test
    void openTagWithNothingAfterIt() {
      ParserRun run = ParserRun.whole("<think>\n", "length");

      assertThat(run.turn().reasoning()).isEmpty();
      assertThat(run.turn().errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.UNCLOSED_THINK);
    }

    @Test
    void promptOpenedThinkThatNeverClosesIsUnclosed() {
      ParserRun run = ParserRun.whole("thinking forever", "length", ReasoningStart.OPENED_BY_PROMPT);

      assertThat(run.turn().reasoning()).isEqualTo("thinking forever");
      assertThat(run.turn().errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.UNCLOSED_THINK);
    }

    @Test
    void withDetectTextWithoutAnyThinkTagIsContentNotUnclosedReasoning() {
      ParserRun run = ParserRun.whole("Just an answer.", "length");

      assertThat(run.coalesced()).containsExactly(new ContentDelta("Just an answer."));
      assertThat(run.turn().errors()).isEmpty();
    }
  }

  @Nested
  class Content {

    @Test
    void contentOnlyOutput() {
      ParserRun run = ParserRun.whole("Paris is the capital of France.\n");

      assertThat(run.turn().reasoning()).isEmpty();
      assertThat(run.turn().content()).isEqualTo("Paris is the capital of France.");
      assertThat(run.turn().toolCalls()).isEmpty();
      assertThat(run.turn().errors()).isEmpty();
    }

    @Test
    void thinkOnlyOutput() {
      ParserRun run = ParserRun.whole("<think>\nnothing to say\n</think>\n\n");

      assertThat(run.coalesced()).containsExactly(new ReasoningDelta("nothing to say"));
      assertThat(run.turn().content()).isEmpty();
      assertThat(run.turn().errors()).isEmpty();
    }

    @Test
    void lessThanSignsThatAreNotTagsPassThroughUnchanged() {
      String text = "a < b and <div> or <thinking> or <tool_calls> or </think > or <<think or x<";
      ParserRun run = ParserRun.whole("<think>\nR\n</think>\n\n" + text);

      assertThat(run.coalesced()).containsExactly(new ReasoningDelta("R"), new ContentDelta(text));
      assertThat(run.turn().content()).isEqualTo(text);
    }

    @Test
    void neverEmitsAPartialTagWhileItMayStillComplete() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, events::add);
      parser.feed("<think>\n\n</think>\n\nCalling <tool");
      assertThat(events).containsExactly(new ContentDelta("Calling "));

      parser.feed("_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>");
      assertThat(events).containsExactly(new ContentDelta("Calling "), new ToolCallParsed(0, "get_weather", "{}"));
    }

    @Test
    void heldBackTextIsFlushedAsContentAtTheEnd() {
      ParserRun run = ParserRun.whole("<think>\n\n</think>\n\nsee <tool_ca");

      assertThat(run.coalesced()).containsExactly(new ContentDelta("see <tool_ca"));
    }

    @Test
    void contentIsTrimmedInTheTurnButNotInTheDeltas() {
      ParserRun run = ParserRun.whole("<think>\nR\n</think>\n\n  Answer  \n");

      assertThat(run.coalesced()).containsExactly(new ReasoningDelta("R"), new ContentDelta("  Answer  \n"));
      assertThat(run.turn().content()).isEqualTo("Answer");
    }

    @Test
    void surrogatePairsAreNeverSplitAcrossDeltas() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, events::add);
      String emoji = "😀";
      parser.feed("<think>\nR\n</think>\n\nab" + emoji.charAt(0));
      assertThat(events).containsExactly(new ReasoningDelta("R"), new ContentDelta("ab"));

      parser.feed(emoji.substring(1));
      assertThat(events.getLast()).isEqualTo(new ContentDelta(emoji));
    }

    @Test
    void feedingAfterFinishOrFinishingTwiceIsRejected() {
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, event -> {});
      parser.finish("stop");

      assertThatThrownBy(() -> parser.feed("x")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> parser.finish("stop")).isInstanceOf(IllegalStateException.class);
    }
  }

  @Nested
  class ToolCalls {

    @Test
    void callsOnlyOutput() {
      ParserRun run = ParserRun.whole(WEATHER_CALL);

      assertThat(run.coalesced()).containsExactly(new ToolCallParsed(0, "get_weather", "{\"city\":\"Paris\"}"));
      assertThat(run.turn().content()).isEmpty();
      assertThat(run.turn().reasoning()).isEmpty();
    }

    @Test
    void typicalTurnWithReasoningContentAndACall() {
      ParserRun run = ParserRun.whole("<think>\nNeed weather.\n</think>\n\nLet me check.\n" + WEATHER_CALL);

      assertThat(run.coalesced())
          .containsExactly(
              new ReasoningDelta("Need weather."),
              new ContentDelta("Let me check.\n"),
              new ToolCallParsed(0, "get_weather", "{\"city\":\"Paris\"}"));
      assertThat(run.turn().content()).isEqualTo("Let me check.");
    }

    @Test
    void multipleCallsAreIndexedInOrderWithContentBetween() {
      String text =
          "<think>\nR\n</think>\n\nFirst.\n"
              + WEATHER_CALL
              + "\nThen a search.\n<tool_call>\n{\"name\": \"web_search\", \"arguments\": {\"q\": \"x\"}}\n</tool_call>\n"
              + "<tool_call>\n{\"name\": \"查询\", \"arguments\": {}}\n</tool_call>";
      ParserRun run = ParserRun.whole(text);

      assertThat(run.turn().toolCalls())
          .containsExactly(
              new ToolCallParsed(0, "get_weather", "{\"city\":\"Paris\"}"),
              new ToolCallParsed(1, "web_search", "{\"q\":\"x\"}"),
              new ToolCallParsed(2, "查询", "{}"));
      assertThat(run.turn().content()).isEqualTo("First.\n\nThen a search.");
      assertThat(run.coalesced())
          .containsExactly(
              new ReasoningDelta("R"),
              new ContentDelta("First.\n"),
              run.turn().toolCalls().get(0),
              new ContentDelta("\nThen a search.\n"),
              run.turn().toolCalls().get(1),
              new ContentDelta("\n"),
              run.turn().toolCalls().get(2));
    }

    @Test
    void invalidCallsDoNotTakeAnIndex() {
      String text = "<tool_call>\nnope\n</tool_call>\n" + WEATHER_CALL;
      ParserRun run = ParserRun.whole(text);

      assertThat(run.turn().toolCalls()).extracting(ToolCallParsed::index).containsExactly(0);
      assertThat(run.turn().errors()).extracting(ParseError::kind).containsExactly(ParseErrorKind.BARE_TOOL_CALL);
    }

    @Test
    void nonAsciiArgumentsAreKeptUnescaped() {
      ParserRun run =
          ParserRun.whole("<tool_call>\n{\"name\": \"web_search\", \"arguments\": {\"q\": \"北京天气 😀 café\"}}\n</tool_call>");

      assertThat(run.turn().toolCalls())
          .containsExactly(new ToolCallParsed(0, "web_search", "{\"q\":\"北京天气 😀 café\"}"));
    }

    @Test
    void argumentsAreCompactedButValuesKeptAsWritten() {
      ParserRun run =
          ParserRun.whole(
              "<tool_call>\n{\"name\": \"web_search\", \"arguments\": {\n  \"q\": \"a  b\",\n  \"n\": 1.10,"
                  + " \"big\": 123456789012345678901234567890, \"l\": [1, {\"x\": null}], \"t\": true}}\n</tool_call>");

      assertThat(run.turn().toolCalls().getFirst().argumentsJson())
          .isEqualTo("{\"q\":\"a  b\",\"n\":1.10,\"big\":123456789012345678901234567890,\"l\":[1,{\"x\":null}],\"t\":true}");
    }

    @Test
    void argumentsGivenAsAJsonStringAreNormalisedToTheObject() {
      ParserRun run =
          ParserRun.whole(
              "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"東京\\\"}\"}\n</tool_call>");

      assertThat(run.turn().toolCalls()).containsExactly(new ToolCallParsed(0, "get_weather", "{\"city\":\"東京\"}"));
    }

    @Test
    void missingOrNullArgumentsMeanNoArguments() {
      ParserRun missing = ParserRun.whole("<tool_call>{\"name\": \"get_weather\"}</tool_call>");
      ParserRun nul = ParserRun.whole("<tool_call>{\"name\": \"get_weather\", \"arguments\": null}</tool_call>");

      assertThat(missing.turn().toolCalls()).containsExactly(new ToolCallParsed(0, "get_weather", "{}"));
      assertThat(nul.turn().toolCalls()).containsExactly(new ToolCallParsed(0, "get_weather", "{}"));
    }

    @Test
    void extraFieldsAreIgnored() {
      ParserRun run =
          ParserRun.whole("<tool_call>{\"id\": 7, \"name\": \"get_weather\", \"arguments\": {}}</tool_call>");

      assertThat(run.turn().toolCalls()).containsExactly(new ToolCallParsed(0, "get_weather", "{}"));
    }

    @Test
    void contentBetweenTagsOnOneLineWorksToo() {
      ParserRun run = ParserRun.whole("ok<tool_call>{\"name\":\"get_weather\",\"arguments\":{}}</tool_call>done");

      assertThat(run.coalesced())
          .containsExactly(
              new ContentDelta("ok"), new ToolCallParsed(0, "get_weather", "{}"), new ContentDelta("done"));
    }

    @Test
    void withoutThinkToolCallsAreReadAtTheEndOfTheGeneration() {
      List<ParseEvent> events = new ArrayList<>();
      NanbeigeOutputParser parser = new NanbeigeOutputParser(ParserRun.TOOLS, events::add);
      parser.feed("Checking.\n" + WEATHER_CALL);
      assertThat(events).as("a later </think> would still make all of it reasoning").isEmpty();

      parser.finish("stop");
      assertThat(ParserRun.coalesce(events))
          .containsExactly(
              new ContentDelta("Checking.\n"), new ToolCallParsed(0, "get_weather", "{\"city\":\"Paris\"}"));
    }

    @Test
    void stopBeforeTheCloseTagStillReadsTheCall() {
      ParserRun run = ParserRun.whole("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_", "stop");

      assertThat(run.turn().toolCalls()).containsExactly(new ToolCallParsed(0, "get_weather", "{}"));
      assertThat(run.turn().errors()).isEmpty();
    }

    @Test
    void parseAllMatchesStreaming() {
      String text = "<think>\nR\n</think>\n\nA\n" + WEATHER_CALL;

      assertThat(NanbeigeOutputParser.parseAll(text, "stop", ParserRun.TOOLS))
          .isEqualTo(ParserRun.of(ParserRun.singleChars(text), "stop", ReasoningStart.DETECT, ParserRun.TOOLS).turn());
    }
  }

  @Nested
  class Errors {

    private ParseError onlyError(String text, String finishReason) {
      ParserRun run = ParserRun.whole(text, finishReason);
      assertThat(run.turn().toolCalls()).isEmpty();
      assertThat(run.turn().errors()).hasSize(1);
      assertThat(run.coalesced()).contains(run.turn().errors().getFirst());
      return run.turn().errors().getFirst();
    }

    private ParseError onlyError(String text) {
      return onlyError(text, "stop");
    }

    @Test
    void bareToolCallNamesWhatWasFoundAndTheExpectedForm() {
      ParseError error = onlyError("<think>\nR\n</think>\n\n<tool_call>get_weather</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.BARE_TOOL_CALL);
      assertThat(error.raw()).isEqualTo("get_weather");
      assertThat(error.detail())
          .contains("Found \"get_weather\"")
          .contains("{\"name\": \"get_weather\", \"arguments\": {...}}");
    }

    @Test
    void emptyToolCallIsBare() {
      ParseError error = onlyError("<tool_call>\n\n</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.BARE_TOOL_CALL);
      assertThat(error.detail()).contains("empty").contains(ToolCallBodyParser.EXPECTED_FORM);
    }

    @Test
    void functionCallSyntaxIsBare() {
      ParseError error = onlyError("<tool_call>\nweb_search(q=\"x\")\n</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.BARE_TOOL_CALL);
      assertThat(error.raw()).isEqualTo("\nweb_search(q=\"x\")\n");
      assertThat(error.detail()).contains("Found \"web_search(q=\"x\")\"").contains("\"name\": \"web_search\"");
    }

    @Test
    void malformedJsonSaysWhere() {
      ParseError error =
          onlyError("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\",}}\n</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MALFORMED_JSON);
      assertThat(error.detail()).contains("line 1, column 55").contains("near \"").contains("Unexpected character ('}'");
      assertThat(error.raw()).isEqualTo("\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\",}}\n");
    }

    @Test
    void malformedJsonOnALaterLine() {
      ParseError error = onlyError("<tool_call>\n{\"name\": \"get_weather\",\n \"arguments\": {city: 1}}\n</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MALFORMED_JSON);
      assertThat(error.detail()).contains("line 2, column 16");
    }

    @Test
    void truncatedJsonIsMalformed() {
      ParseError error = onlyError("<tool_call>{\"name\": \"get_weather\", \"arguments\": {</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MALFORMED_JSON);
      assertThat(error.detail()).contains("end-of-input").doesNotContain("REDACTED");
    }

    @Test
    void textAfterTheJsonIsMalformed() {
      ParseError error = onlyError("<tool_call>{\"name\": \"get_weather\", \"arguments\": {}} extra</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MALFORMED_JSON);
    }

    @Test
    void duplicateKeysAreMalformed() {
      ParseError error =
          onlyError("<tool_call>{\"name\": \"get_weather\", \"name\": \"web_search\", \"arguments\": {}}</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MALFORMED_JSON);
      assertThat(error.detail()).contains("Duplicate");
    }

    @Test
    void missingName() {
      ParseError error = onlyError("<tool_call>{\"arguments\": {\"city\": \"Paris\"}}</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MISSING_NAME);
      assertThat(error.detail()).contains("no \"name\" field");
    }

    @Test
    void nameThatIsNotAStringOrIsBlank() {
      assertThat(onlyError("<tool_call>{\"name\": 3, \"arguments\": {}}</tool_call>").kind())
          .isEqualTo(ParseErrorKind.MISSING_NAME);
      assertThat(onlyError("<tool_call>{\"name\": \" \", \"arguments\": {}}</tool_call>").kind())
          .isEqualTo(ParseErrorKind.MISSING_NAME);
    }

    @Test
    void jsonThatIsNotAnObjectHasNoName() {
      ParseError error = onlyError("<tool_call>[{\"name\": \"get_weather\", \"arguments\": {}}]</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.MISSING_NAME);
      assertThat(error.detail()).contains("an array");
    }

    @Test
    void argumentsNotAnObject() {
      ParseError array = onlyError("<tool_call>{\"name\": \"get_weather\", \"arguments\": [\"Paris\"]}</tool_call>");
      ParseError string = onlyError("<tool_call>{\"name\": \"get_weather\", \"arguments\": \"Paris\"}</tool_call>");
      ParseError stringArray = onlyError("<tool_call>{\"name\": \"get_weather\", \"arguments\": \"[1]\"}</tool_call>");

      assertThat(List.of(array.kind(), string.kind(), stringArray.kind()))
          .containsOnly(ParseErrorKind.ARGUMENTS_NOT_OBJECT);
      assertThat(array.detail()).contains("get_weather").contains("an array");
      assertThat(string.detail()).contains("\"Paris\"");
    }

    @Test
    void unknownFunctionListsTheKnownOnes() {
      ParseError error = onlyError("<tool_call>{\"name\": \"rm_rf\", \"arguments\": {}}</tool_call>");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.UNKNOWN_FUNCTION);
      assertThat(error.detail()).contains("\"rm_rf\"").contains("get_weather, web_search, 查询");
    }

    @Test
    void everyFunctionIsUnknownWhenNoToolsWereOffered() {
      ParsedTurn turn =
          NanbeigeOutputParser.parseAll("<tool_call>{\"name\": \"get_weather\"}</tool_call>", "stop", Set.of());

      assertThat(turn.toolCalls()).isEmpty();
      assertThat(turn.errors()).singleElement().satisfies(error -> {
        assertThat(error.kind()).isEqualTo(ParseErrorKind.UNKNOWN_FUNCTION);
        assertThat(error.detail()).contains("no functions are available");
      });
    }

    @Test
    void cutByLengthInsideAToolCallKeepsThePartialBody() {
      ParseError error =
          onlyError("<think>\nR\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"argu", "length");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.CUT_BY_LENGTH);
      assertThat(error.raw()).isEqualTo("\n{\"name\": \"get_weather\", \"argu");
    }

    @Test
    void cutByLengthEvenWhenTheJsonHappensToBeComplete() {
      ParseError error = onlyError("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_ca", "length");

      assertThat(error.kind()).isEqualTo(ParseErrorKind.CUT_BY_LENGTH);
      assertThat(error.raw()).endsWith("</tool_ca");
    }

    @Test
    void lengthOutsideABlockIsNoError() {
      ParserRun run = ParserRun.whole("<think>\nR\n</think>\n\nThe answer is", "length");

      assertThat(run.turn().errors()).isEmpty();
      assertThat(run.turn().content()).isEqualTo("The answer is");
    }

    @Test
    void toolErrorMessageStartsWithTheKindSummary() {
      ParseError error = onlyError("<tool_call>get_weather</tool_call>");

      assertThat(error.toolErrorMessage())
          .startsWith("Error: the tool call is not a JSON object. Found \"get_weather\"");
    }

    @Test
    void longFoundTextIsShortenedInTheDetailButKeptInRaw() {
      String junk = "x".repeat(5000);
      ParseError error = onlyError("<tool_call>" + junk + "</tool_call>");

      assertThat(error.raw()).isEqualTo(junk);
      assertThat(error.detail()).hasSizeLessThan(600).contains("x".repeat(200) + "…");
    }
  }
}
