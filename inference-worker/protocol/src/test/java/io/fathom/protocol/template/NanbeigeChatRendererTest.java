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
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expected prompts written by hand from /work/shared/nanbeige-chat-format.md, literal by literal (no renderer
 * constants), checked against the built-in renderer and against the fixture template run by Jinjava.
 */
class NanbeigeChatRendererTest {

  // Literal strings of the rules doc.
  private static final String S = "<|im_start|>";
  private static final String E = "<|im_end|>";
  private static final String NO_TOOLS_DEFAULT = "你是南北阁，一款由BOSS直聘自主研发并训练的专业大语言模型。";
  private static final String TOOLS_DEFAULT =
      "你是一位工具函数调用专家，你会得到一个问题和一组可能的工具函数。根据问题，你需要进行一个或多个函数/工具调用以实现目的，请尽量尝试探索通过工具解决问题。\n"
          + "如果没有一个函数可以使用，请直接使用自然语言回复用户。\n"
          + "如果给定的问题缺少函数所需的参数，请使用自然语言进行提问，向用户询问必要信息。\n"
          + "如果调用结果已经足够回答用户问题，请对历史结果进行总结，使用自然语言回复用户。";
  private static final String PREAMBLE =
      "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
          + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
  private static final String POSTAMBLE =
      "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
          + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
          + "<args-json-object>}\n</tool_call><|im_end|>\n";
  private static final String SEARCH_JSON =
      "{\"type\": \"function\", \"function\": {\"name\": \"search\", \"description\": \"搜索网页\", \"parameters\": "
          + "{\"type\": \"object\", \"properties\": {\"query\": {\"type\": \"string\"}}, \"required\": [\"query\"]}}}";
  private static final String FETCH_JSON =
      "{\"type\": \"function\", \"function\": {\"name\": \"fetch\", \"description\": \"Fetch a URL\", \"parameters\": "
          + "{\"type\": \"object\", \"properties\": {\"url\": {\"type\": \"string\", \"description\": \"the \\\"URL\\\"\"}, "
          + "\"timeout\": {\"type\": \"number\", \"default\": 2.5}}, \"required\": [\"url\"]}}}";

  private final NanbeigeChatRenderer renderer = new NanbeigeChatRenderer();
  private final NanbeigeChatRenderer objectRenderer = new NanbeigeChatRenderer(ToolArgumentsForm.OBJECT);
  private final JinjaChatTemplate fixture = Fixtures.fixtureTemplate(ToolArgumentsForm.STRING);
  private final JinjaChatTemplate objectFixture = Fixtures.fixtureTemplate(ToolArgumentsForm.OBJECT);

  private void expect(
      String expected, List<ChatMessage> messages, List<ToolSpec> tools, boolean generationPrompt, boolean keepAllThink) {
    assertThat(renderer.render(messages, tools, generationPrompt, keepAllThink)).as("built-in").isEqualTo(expected);
    assertThat(fixture.render(messages, tools, generationPrompt, keepAllThink)).as("fixture via Jinjava").isEqualTo(expected);
  }

  @Test
  void defaultSystemPromptWithoutTools() {
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\n你好" + E + "\n" + S + "assistant\n",
        List.of(user("你好")),
        null,
        true,
        false);
  }

  @Test
  void callersSystemPromptAndFinalAnswerWithThinking() {
    expect(
        S + "system\nYou are terse." + E + "\n"
            + S + "user\nHi" + E + "\n"
            + S + "assistant\n<think>\nThe user greets.\n</think>\n\nHello!" + E + "\n",
        List.of(system("You are terse."), user("Hi"), assistant("The user greets.", "Hello!")),
        List.of(),
        false,
        false);
  }

  @Test
  void earlierTurnsLoseTheirThinkingUnlessKeepAllThink() {
    List<ChatMessage> messages =
        List.of(user("Q1"), assistant("r1", "A1"), user("Q2"), assistant("r2", "A2"), user("Q3"));
    String head = S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nQ1" + E + "\n";
    expect(
        head + S + "assistant\nA1" + E + "\n" + S + "user\nQ2" + E + "\n" + S + "assistant\nA2" + E + "\n"
            + S + "user\nQ3" + E + "\n" + S + "assistant\n",
        messages,
        null,
        true,
        false);
    expect(
        head + S + "assistant\n<think>\nr1\n</think>\n\nA1" + E + "\n" + S + "user\nQ2" + E + "\n"
            + S + "assistant\n<think>\nr2\n</think>\n\nA2" + E + "\n" + S + "user\nQ3" + E + "\n" + S + "assistant\n",
        messages,
        null,
        true,
        true);
  }

  @Test
  void toolLoopWithDefaultToolsSystemPrompt() {
    List<ChatMessage> messages =
        List.of(
            user("查一下天气"),
            assistant(
                "\nNeed two searches.\n\n",
                null,
                call("c1", "search", "{\"query\": \"北京天气\"}"),
                call("c2", "fetch", "{\"url\": \"https://x.test/?a=1&b=2\"}")),
            tool("c1", "晴"),
            tool("c2", "{\"temp\": 21}"),
            assistant("Got it.", "北京晴，21°C。"));
    expect(
        S + "system\n" + TOOLS_DEFAULT + PREAMBLE + "\n" + SEARCH_JSON + "\n" + FETCH_JSON + POSTAMBLE
            + S + "user\n查一下天气" + E + "\n"
            + S + "assistant\n<think>\nNeed two searches.\n</think>\n\n"
            + "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"北京天气\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"fetch\", \"arguments\": {\"url\": \"https://x.test/?a=1&b=2\"}}\n</tool_call>"
            + E + "\n"
            + S + "user\n<tool_response>\n晴\n</tool_response>\n<tool_response>\n{\"temp\": 21}\n</tool_response>" + E + "\n"
            + S + "assistant\n<think>\nGot it.\n</think>\n\n北京晴，21°C。" + E + "\n",
        messages,
        List.of(searchTool(), fetchTool()),
        false,
        false);
  }

  @Test
  void callersSystemPromptWithToolsAndContentBeforeTheCall() {
    List<ChatMessage> messages =
        List.of(
            system("You research."),
            user("Find X"),
            assistant("plan", "Let me search.", call("c1", "search", "{\"query\":\"X\"}")),
            tool("c1", "X is Y"));
    expect(
        S + "system\nYou research.\n\n" + PREAMBLE + "\n" + SEARCH_JSON + POSTAMBLE
            + S + "user\nFind X" + E + "\n"
            + S + "assistant\n<think>\nplan\n</think>\n\nLet me search.\n"
            + "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\":\"X\"}}\n</tool_call>" + E + "\n"
            + S + "user\n<tool_response>\nX is Y\n</tool_response>" + E + "\n"
            + S + "assistant\n",
        messages,
        List.of(searchTool()),
        true,
        false);
  }

  @Test
  void argumentsGivenAsAnObjectAreWrittenLikeJsonDumps() {
    List<ChatMessage> messages =
        List.of(
            user("go"),
            assistant("r", "", call("c1", "search", "{\"query\":\"a \\\"b\\\" é\",\"n\":2,\"w\":0.5,\"f\":[true,null]}")));
    String expected =
        S + "system\n" + TOOLS_DEFAULT + PREAMBLE + "\n" + SEARCH_JSON + POSTAMBLE
            + S + "user\ngo" + E + "\n"
            + S + "assistant\n<think>\nr\n</think>\n\n"
            + "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"a \\\"b\\\" é\", \"n\": 2, \"w\": 0.5, "
            + "\"f\": [true, null]}}\n</tool_call>" + E + "\n";
    assertThat(objectRenderer.render(messages, List.of(searchTool()), false, false)).isEqualTo(expected);
    assertThat(objectFixture.render(messages, List.of(searchTool()), false, false)).isEqualTo(expected);
    // As a string, the same arguments are written verbatim.
    assertThat(renderer.render(messages, List.of(searchTool()), false, false))
        .contains("\"arguments\": {\"query\":\"a \\\"b\\\" é\",\"n\":2,\"w\":0.5,\"f\":[true,null]}}");
  }

  @Test
  void thinkingInsideContentIsSplitOff() {
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nq" + E + "\n"
            + S + "assistant\n<think>\ninner\n</think>\n\nanswer" + E + "\n",
        List.of(user("q"), assistant(null, "<think>\ninner\n</think>\n\nanswer")),
        null,
        false,
        false);
    // Before the last query the split still happens, and only the answer stays.
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nq" + E + "\n"
            + S + "assistant\nanswer" + E + "\n" + S + "user\nq2" + E + "\n",
        List.of(user("q"), assistant(null, "<think>inner</think>\n\nanswer"), user("q2")),
        null,
        false,
        false);
  }

  @Test
  void lastTurnShowsAnEmptyThinkBlockAndEarlierEmptyReasoningShowsNone() {
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nq" + E + "\n"
            + S + "assistant\n<think>\n\n</think>\n\nok" + E + "\n",
        List.of(user("q"), assistant(null, "ok")),
        null,
        false,
        false);
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nq" + E + "\n"
            + S + "assistant\n<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>" + E + "\n"
            + S + "user\n<tool_response>\nr\n</tool_response>" + E + "\n",
        List.of(user("q"), assistant(null, null, call("c", "search", "{}")), tool("c", "r")),
        null,
        false,
        false);
  }

  @Test
  void wrappedToolResponseInAUserMessageIsNotARealQuery() {
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nQ" + E + "\n"
            + S + "assistant\n<think>\nr1\n</think>\n\nA1" + E + "\n"
            + S + "user\n<tool_response>\nX\n</tool_response>" + E + "\n"
            + S + "assistant\n<think>\nr2\n</think>\n\nA2" + E + "\n",
        List.of(user("Q"), assistant("r1", "A1"), user("<tool_response>\nX\n</tool_response>"), assistant("r2", "A2")),
        null,
        false,
        false);
  }

  @Test
  void reasoningIsStrippedOfNewlinesOnlyAndContentLeftStrippedOfNewlinesOnly() {
    expect(
        S + "system\n" + NO_TOOLS_DEFAULT + E + "\n" + S + "user\nq" + E + "\n"
            + S + "assistant\n<think>\n  r \n</think>\n\n  a\n" + E + "\n",
        List.of(user("q"), assistant("\n\n  r \n", "\n\n  a\n")),
        null,
        false,
        false);
  }

  @Test
  void laterSystemMessageIsAnOrdinaryTurn() {
    expect(
        S + "system\nfirst" + E + "\n" + S + "user\nq" + E + "\n" + S + "system\nsecond" + E + "\n",
        List.of(system("first"), user("q"), system("second")),
        null,
        false,
        false);
  }
}
