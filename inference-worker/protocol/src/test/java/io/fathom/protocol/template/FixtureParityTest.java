package io.fathom.protocol.template;

import static io.fathom.protocol.template.Fixtures.assistant;
import static io.fathom.protocol.template.Fixtures.call;
import static io.fathom.protocol.template.Fixtures.fetchTool;
import static io.fathom.protocol.template.Fixtures.searchTool;
import static io.fathom.protocol.template.Fixtures.system;
import static io.fathom.protocol.template.Fixtures.tool;
import static io.fathom.protocol.template.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The built-in renderer against the fixture template rendered by Jinjava, on chosen and random conversations. */
class FixtureParityTest {

  private static final int RANDOM_CASES = 400;

  static Stream<Arguments> chosen() {
    List<ToolSpec> tools = List.of(searchTool(), fetchTool());
    List<ChatMessage> toolLoop =
        List.of(
            user("Find the population of Zürich"),
            assistant("I should search.", null, call("a", "search", "{\"query\": \"Zürich population\"}")),
            tool("a", "Zürich: 443,037 (2023)"),
            assistant("Check the source.", "Verifying.", call("b", "fetch", "{\"url\":\"https://zh.ch\"}"),
                call("c", "search", "{\"query\": \"Zürich Einwohner\", \"limit\": 3}")),
            tool("b", "<html>…</html>"),
            tool("c", "443 037"),
            assistant("Consistent.", "About 443,000 people live in Zürich."));
    List<Arguments> cases = new ArrayList<>();
    for (boolean generation : new boolean[] {false, true}) {
      for (boolean keep : new boolean[] {false, true}) {
        cases.add(Arguments.of("no tools, default system", List.of(user("hi")), null, generation, keep));
        cases.add(Arguments.of("no tools, caller system", List.of(system("Be brief."), user("hi")), List.of(), generation, keep));
        cases.add(Arguments.of("tools, default system", toolLoop, tools, generation, keep));
        cases.add(Arguments.of("tools, caller system", prepend(system("You are a researcher."), toolLoop), tools, generation, keep));
        cases.add(Arguments.of("tool loop without tools listed", toolLoop, null, generation, keep));
        cases.add(Arguments.of(
            "multi-turn with thinking",
            List.of(user("1"), assistant("t1", "a1"), user("2"), assistant(null, "<think>t2</think>a2"), user("3"),
                assistant("", "a3")),
            null,
            generation,
            keep));
        cases.add(Arguments.of(
            "ends with tool results",
            List.of(user("q"), assistant("r", "", call("x", "search", "{}"), call("y", "search", "{\"q\": \"\"}")),
                tool("x", ""), tool("y", null)),
            tools,
            generation,
            keep));
        cases.add(Arguments.of(
            "non-ASCII and template-looking text",
            List.of(system("系统 {{ 1 + 1 }} {% raw %}"), user("😀 \"q\" \\ {#"), assistant("思考 ✓", "答案\u2028")),
            List.of(ToolSpec.function("搜索", "查找 “资料”", Fixtures.json("{\"type\":\"object\",\"properties\":{}}"))),
            generation,
            keep));
      }
    }
    return cases.stream();
  }

  private static List<ChatMessage> prepend(ChatMessage first, List<ChatMessage> rest) {
    List<ChatMessage> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all;
  }

  @ParameterizedTest(name = "{0} gen={3} keep={4}")
  @MethodSource("chosen")
  void chosenConversations(
      String name, List<ChatMessage> messages, List<ToolSpec> tools, boolean generation, boolean keep) {
    for (ToolArgumentsForm form : ToolArgumentsForm.values()) {
      assertThat(new NanbeigeChatRenderer(form).render(messages, tools, generation, keep))
          .as(name + " " + form)
          .isEqualTo(Fixtures.fixtureTemplate(form).render(messages, tools, generation, keep));
    }
  }

  @ParameterizedTest
  @EnumSource(ToolArgumentsForm.class)
  void randomConversations(ToolArgumentsForm form) {
    NanbeigeChatRenderer builtIn = new NanbeigeChatRenderer(form);
    JinjaChatTemplate jinja = Fixtures.fixtureTemplate(form);
    ConversationGenerator generator = new ConversationGenerator(form == ToolArgumentsForm.STRING ? 20260101L : 20260202L);
    for (int i = 0; i < RANDOM_CASES; i++) {
      ConversationGenerator.Case c = generator.next();
      String expected = jinja.render(c.messages(), c.tools(), c.addGenerationPrompt(), c.keepAllThink());
      assertThat(builtIn.render(c.messages(), c.tools(), c.addGenerationPrompt(), c.keepAllThink()))
          .as("case %d: %s", i, c)
          .isEqualTo(expected);
    }
  }

  @Test
  void objectArgumentsDifferFromStringArgumentsOnlyInTheArguments() {
    List<ChatMessage> messages = List.of(user("q"), assistant("r", "", call("a", "search", "{\"q\":1.0,\"z\":[1e16]}")));
    String asString = new NanbeigeChatRenderer(ToolArgumentsForm.STRING).render(messages, null, false, false);
    String asObject = new NanbeigeChatRenderer(ToolArgumentsForm.OBJECT).render(messages, null, false, false);
    assertThat(asString).contains("\"arguments\": {\"q\":1.0,\"z\":[1e16]}}");
    assertThat(asObject).contains("\"arguments\": {\"q\": 1.0, \"z\": [1e+16]}}");
    assertThat(asObject.replace("{\"q\": 1.0, \"z\": [1e+16]}", "{\"q\":1.0,\"z\":[1e16]}")).isEqualTo(asString);
  }
}
