package io.fathom.protocol.template;

import static io.fathom.protocol.template.Fixtures.assistant;
import static io.fathom.protocol.template.Fixtures.call;
import static io.fathom.protocol.template.Fixtures.searchTool;
import static io.fathom.protocol.template.Fixtures.tool;
import static io.fathom.protocol.template.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.protocol.chat.NanbeigeOutputParser;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import io.fathom.protocol.chat.ParsedTurn;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Inside a tool loop the prompt only grows at its end: a ledger built by appending
 * {@link NanbeigeChatRenderer#renderAssistantTurn} and {@link NanbeigeChatRenderer#renderToolResponses} equals a
 * fresh render of the whole conversation, by the built-in renderer and by the fixture template.
 */
class IncrementalSuffixTest {

  private static final String GEN = "<|im_start|>assistant\n";
  private static final String[] WORDS = {
    "alpha", "北京", "😀", "é", " ", "\n", "\t", "\"q\"", "\\", "{{ x }}", "<tool_call>", "</tool_response>", "42", "{", "}"
  };

  static Stream<Arguments> loops() {
    return LongStream.rangeClosed(1, 30)
        .boxed()
        .flatMap(seed -> Stream.of(ToolArgumentsForm.values()).map(form -> Arguments.of(seed, form)));
  }

  @ParameterizedTest(name = "seed {0} {1}")
  @MethodSource("loops")
  void toolLoopLedgerEqualsFreshRender(long seed, ToolArgumentsForm form) {
    Random random = new Random(seed);
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer(form);
    JinjaChatTemplate fixture = Fixtures.fixtureTemplate(form);
    List<ToolSpec> tools = random.nextBoolean() ? List.of(searchTool(), Fixtures.fetchTool()) : null;
    boolean keepAllThink = random.nextInt(4) == 0;
    List<ChatMessage> conversation = new ArrayList<>();
    if (random.nextBoolean()) {
      conversation.add(ChatMessage.system(text(random)));
    }
    // Earlier exchanges, so that the loop runs after older turns with thinking.
    int earlier = random.nextInt(3);
    for (int i = 0; i < earlier; i++) {
      conversation.add(user(text(random)));
      conversation.add(assistant(reasoning(random), text(random)));
    }
    conversation.add(user(text(random)));
    String ledger = renderer.render(conversation, tools, true, keepAllThink);
    assertThat(ledger).endsWith(GEN);

    int rounds = 1 + random.nextInt(6);
    for (int round = 0; round <= rounds; round++) {
      boolean last = round == rounds;
      ChatMessage generated = generatedTurn(random, last ? 0 : 1 + random.nextInt(3));
      String turn = renderer.renderAssistantTurn(generated);
      assertThat(turn).startsWith(GEN);
      ledger += turn.substring(GEN.length());
      conversation.add(generated);
      assertFresh(renderer, fixture, conversation, tools, false, keepAllThink, ledger);
      if (last) {
        break;
      }
      List<ChatMessage> results = new ArrayList<>();
      for (int k = 0; k < generated.toolCalls().size(); k++) {
        results.add(tool("call_" + k, text(random)));
      }
      ledger += renderer.renderToolResponses(results);
      conversation.addAll(results);
      assertFresh(renderer, fixture, conversation, tools, false, keepAllThink, ledger);
      ledger += GEN;
      assertFresh(renderer, fixture, conversation, tools, true, keepAllThink, ledger);
    }
  }

  private static void assertFresh(
      NanbeigeChatRenderer renderer,
      JinjaChatTemplate fixture,
      List<ChatMessage> conversation,
      List<ToolSpec> tools,
      boolean generation,
      boolean keepAllThink,
      String ledger) {
    assertThat(renderer.render(conversation, tools, generation, keepAllThink)).as("built-in").isEqualTo(ledger);
    assertThat(fixture.render(conversation, tools, generation, keepAllThink)).as("fixture").isEqualTo(ledger);
  }

  /**
   * A generation written the canonical way (think block, content, Python-style JSON calls), parsed by the
   * output parser and rendered back with {@link ToolArgumentsForm#OBJECT}, is the very text the model wrote.
   */
  @Test
  void parsedGenerationRendersBackToTheGeneratedText() {
    Random random = new Random(7);
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer(ToolArgumentsForm.OBJECT);
    for (int i = 0; i < 200; i++) {
      String reasoning = "Step " + i + ": " + plain(random);
      String content = random.nextBoolean() ? "" : "Answer " + plain(random);
      List<String> calls = new ArrayList<>();
      int count = random.nextInt(4);
      for (int k = 0; k < count; k++) {
        ObjectNode arguments = Fixtures.JSON.createObjectNode();
        arguments.put("query", plain(random));
        arguments.put("limit", random.nextInt(100));
        arguments.put("ratio", random.nextInt(8) / 4.0);
        arguments.putArray("tags").add("a").add("北");
        arguments.putObject("opts").put("exact", random.nextBoolean()).putNull("lang");
        calls.add("<tool_call>\n{\"name\": \"search\", \"arguments\": " + PyJson.DEFAULT.dumps(arguments) + "}\n</tool_call>");
      }
      String output = "<think>\n" + reasoning + "\n</think>\n\n" + content + (content.isEmpty() || calls.isEmpty() ? "" : "\n")
          + String.join("\n", calls);

      ParsedTurn parsed = NanbeigeOutputParser.parseAll(output, NanbeigeOutputParser.FINISH_STOP, Set.of("search"));
      assertThat(parsed.errors()).isEmpty();
      List<ToolCall> toolCalls = new ArrayList<>();
      for (ToolCallParsed c : parsed.toolCalls()) {
        toolCalls.add(ToolCall.function("call_" + c.index(), c.name(), c.argumentsJson()));
      }
      ChatMessage message =
          new ChatMessage("assistant", parsed.content(), parsed.reasoning(), toolCalls.isEmpty() ? null : toolCalls, null, null);

      assertThat(renderer.renderAssistantTurn(message)).isEqualTo(GEN + output + "<|im_end|>\n");
    }
  }

  @Test
  void suffixesAreWhatTheFullRenderAdds() {
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer();
    List<ChatMessage> base = List.of(user("q"));
    ChatMessage generated = assistant("think", "", call("a", "search", "{\"q\": 1}"), call("b", "search", "{}"));
    List<ChatMessage> withTurn = List.of(base.get(0), generated);
    assertThat(renderer.render(withTurn, null, false, false))
        .isEqualTo(renderer.render(base, null, false, false) + renderer.renderAssistantTurn(generated));
    List<ChatMessage> results = List.of(tool("a", "one"), tool("b", "two"));
    List<ChatMessage> withResults = new ArrayList<>(withTurn);
    withResults.addAll(results);
    assertThat(renderer.render(withResults, null, true, false))
        .isEqualTo(renderer.render(withTurn, null, false, false) + renderer.renderToolResponses(results) + GEN);
    assertThat(renderer.renderToolResponses(results))
        .isEqualTo("<|im_start|>user\n<tool_response>\none\n</tool_response>\n<tool_response>\ntwo\n</tool_response><|im_end|>\n");
  }

  /** The caveat of the template: an empty think block is shown only while its turn is the last message. */
  @Test
  void emptyReasoningTurnChangesOnceSomethingFollowsIt() {
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer();
    ChatMessage generated = assistant("", "", call("a", "search", "{}"));
    List<ChatMessage> withTurn = List.of(user("q"), generated);
    String ledger = renderer.render(withTurn, null, false, false);
    assertThat(ledger).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call><|im_end|>\n");
    List<ChatMessage> withResult = List.of(user("q"), generated, tool("a", "r"));
    String fresh = renderer.render(withResult, null, false, false);
    assertThat(fresh).doesNotStartWith(ledger);
    assertThat(fresh).contains("<|im_start|>assistant\n<tool_call>");
  }

  /** A new real user query ends the loop: earlier turns lose their thinking (unless keep_all_think). */
  @Test
  void newUserQueryRewritesEarlierTurns() {
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer();
    List<ChatMessage> loop = List.of(user("q"), assistant("r", "a"));
    List<ChatMessage> next = List.of(user("q"), assistant("r", "a"), user("q2"));
    assertThat(renderer.render(next, null, false, false)).doesNotStartWith(renderer.render(loop, null, false, false));
    assertThat(renderer.render(next, null, false, true)).startsWith(renderer.render(loop, null, false, true));
  }

  @Test
  void suffixMethodsRejectWrongMessages() {
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer();
    assertThatThrownBy(() -> renderer.renderToolResponses(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("toolMessages is empty");
    assertThatThrownBy(() -> renderer.renderToolResponses(List.of(tool("a", "x"), user("y"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("toolMessages[1] has role \"user\", not \"tool\"");
    assertThatThrownBy(() -> renderer.renderAssistantTurn(user("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("assistant has role \"user\", not \"assistant\"");
    assertThatThrownBy(() -> renderer.renderAssistantTurn(assistant("r", "", new ToolCall("a", "function", null))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("assistant.tool_calls[0] has no function");
  }

  private static ChatMessage generatedTurn(Random random, int calls) {
    List<ToolCall> toolCalls = new ArrayList<>();
    for (int k = 0; k < calls; k++) {
      toolCalls.add(call("call_" + k, random.nextBoolean() ? "search" : "fetch",
          random.nextBoolean() ? "{\"q\":\"" + k + "\",\"n\":1.5}" : "{\"q\": \"é\", \"deep\": {\"a\": [1, 2]}}"));
    }
    String content = random.nextInt(3) == 0 ? null : text(random);
    return new ChatMessage("assistant", content, reasoning(random), toolCalls.isEmpty() ? null : toolCalls, null, null);
  }

  /** Non-empty reasoning, as the model writes it. */
  private static String reasoning(Random random) {
    return "r" + text(random);
  }

  private static String text(Random random) {
    StringBuilder out = new StringBuilder();
    int words = random.nextInt(6);
    for (int i = 0; i < words; i++) {
      out.append(WORDS[random.nextInt(WORDS.length)]);
    }
    return out.toString();
  }

  /** Text without tags, newlines or surrounding whitespace, as a canonical generation has. */
  private static String plain(Random random) {
    String[] words = {"alpha", "北京", "😀", "é", "\"q\"", "\\", "{x}", "42"};
    StringBuilder out = new StringBuilder(words[random.nextInt(words.length)]);
    int more = random.nextInt(5);
    for (int i = 0; i < more; i++) {
      out.append(' ').append(words[random.nextInt(words.length)]);
    }
    return out.toString();
  }
}
