package io.fathom.protocol.template;

import static io.fathom.protocol.template.Fixtures.assistant;
import static io.fathom.protocol.template.Fixtures.call;
import static io.fathom.protocol.template.Fixtures.tool;
import static io.fathom.protocol.template.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What Hugging Face templates need from the engine, one feature at a time. Expected outputs are those of
 * Jinja2 3.1 with transformers' settings (trim_blocks, lstrip_blocks, json.dumps tojson), except that booleans
 * are printed through {@code 'T' if … else 'F'} (Jinjava prints {@code true} where Python prints {@code True}).
 */
class JinjaChatTemplateTest {

  private static final List<ChatMessage> MESSAGES =
      List.of(user(" Hi </think> x "), new ChatMessage("assistant", "a\n</think>\n\nb", null, null, null, null), tool("t", "r"));

  private static String render(String template) {
    return JinjaChatTemplate.of(template, "<s>", "</s>").render(MESSAGES, null, true, false);
  }

  @Test
  void trimBlocksAndLstripBlocksLikeTransformers() {
    assertThat(render("{% if true %}\n  x\n{% endif %}\nend")).isEqualTo("  x\nend");
    assertThat(render("  {% for m in messages %}\n{{ m.role }}\n  {% endfor %}")).isEqualTo("user\nassistant\ntool\n");
  }

  @Test
  void tojsonIsPythonJsonDumps() {
    assertThat(render("{{ {'b': [1.5, 'é', none, true], 'a': {}, 'c': 1} | tojson }}"))
        .isEqualTo("{\"b\": [1.5, \"é\", null, true], \"a\": {}, \"c\": 1}");
    assertThat(render("{{ {'b': 1, 'a': [2]} | tojson(indent=2) }}")).isEqualTo("{\n  \"b\": 1,\n  \"a\": [\n    2\n  ]\n}");
    assertThat(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}")).isEqualTo("{\"a\": 2, \"b\": 1}");
    assertThat(render("{{ 'é' | tojson(ensure_ascii=true) }}")).isEqualTo("\"\\u00e9\"");
  }

  @Test
  void pythonStringMethods() {
    assertThat(render("{{ 'T' if messages[0].content.startswith(' Hi') else 'F' }}"
            + "{{ 'T' if messages[0].content.endswith(('y ', 'x ')) else 'F' }}"))
        .isEqualTo("TT");
    assertThat(render("[{{ messages[0].content.strip() }}][{{ messages[0].content.lstrip() }}]"
            + "[{{ messages[0].content.rstrip(' x') }}]"))
        .isEqualTo("[Hi </think> x][Hi </think> x ][ Hi </think>]");
    assertThat(render("{{ messages[1].content.split('</think>')|length }} "
            + "[{{ messages[1].content.split('</think>')[-1].lstrip('\\n') }}] {{ 'a b  c'.split()|length }} "
            + "{{ 'a,b,c'.split(',', 1)[1] }}"))
        .isEqualTo("2 [b] 3 b,c");
    assertThat(render("{{ 'abcabc'.replace('b', 'X') }} {{ 'abcabc'.replace('b', 'X', 1) }} {{ 'Ab'.upper() }}"
            + "{{ 'Ab'.lower() }} {{ '-'.join(['a', 'b']) }}"))
        .isEqualTo("aXcaXc aXcabc ABab a-b");
    assertThat(render("{{ 'a</think>'.split('</think>')|length }}")).as("trailing empty piece kept").isEqualTo("2");
    assertThat(render("{{ 'x.y'.split('.')[0] }}")).as("separator is not a regex").isEqualTo("x");
  }

  @Test
  void namespaceWithExpressionArguments() {
    assertThat(render("{% set ns = namespace(n=messages|length - 1, found=false) %}{% for m in messages %}"
            + "{% if m.role == 'assistant' %}{% set ns.found = true %}{% endif %}{% endfor %}"
            + "{{ ns.n }} {{ 'T' if ns.found else 'F' }}"))
        .isEqualTo("2 T");
  }

  @Test
  void reverseIterationSlicesAndLoopVariables() {
    assertThat(render("{% for m in messages[::-1] %}{{ loop.index0 }}{{ m.role }}{{ '|' if not loop.last }}{% endfor %} "
            + "{{ 'abc'[::-1] }} {{ [1,2,3,4,5][1::2]|join(',') }} {{ [1,2,3,4,5][-1:0:-2]|join(',') }}"))
        .isEqualTo("0tool|1assistant|2user cba 2,4 5,3");
    assertThat(render("{% for m in messages %}{% if loop.first %}F{% endif %}{{ loop.index }}{% if loop.last %}L{% endif %}"
            + "{% endfor %}"))
        .isEqualTo("F123L");
  }

  @Test
  void testsIndexesAndMembership() {
    assertThat(render("{{ messages[-1].role }} {{ 'T' if messages[0].content is string else 'F' }}"
            + " {{ 'T' if messages[0].reasoning_content is defined else 'F' }} {{ 'T' if tools is none else 'F' }}"
            + " {{ 'T' if '</think>' in messages[1].content else 'F' }}"))
        .isEqualTo("tool T F T T");
  }

  @Test
  void standardAndExtraVariables() {
    JinjaChatTemplate template =
        JinjaChatTemplate.of("{{ bos_token }}|{{ eos_token }}|{{ 'T' if add_generation_prompt else 'F' }}"
            + "|{{ 'T' if keep_all_think else 'F' }}|{{ enable_thinking }}", "<s>", "</s>");
    assertThat(template.render(MESSAGES, null, true, Map.of("enable_thinking", "yes", "keep_all_think", true)))
        .isEqualTo("<s>|</s>|T|T|yes");
    assertThat(template.render(MESSAGES, null, false, false)).isEqualTo("<s>|</s>|F|F|");
    assertThatThrownBy(() -> template.render(MESSAGES, null, false, Map.of("messages", List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("extra variable \"messages\" is set by the renderer itself");
  }

  @Test
  void messagesAndToolsReachTheTemplateAsOpenAiShapedMaps() {
    ChatMessage withCall =
        new ChatMessage("assistant", null, "why", List.of(new ToolCall("c1", "function", new ToolCall.FunctionCall("f", "{\"a\":1}"))),
            null, null);
    ChatMessage result = ChatMessage.tool("c1", "f", "done");
    List<ToolSpec> tools = List.of(ToolSpec.function("f", null, Fixtures.json("{\"type\":\"object\"}")));
    String template =
        "{% set c = messages[0].tool_calls[0] %}{{ c.id }} {{ c.type }} {{ c.function.name }} {{ c.function.arguments }}"
            + " {{ messages[0].reasoning_content }} {{ 'T' if messages[0].content is defined else 'F' }}"
            + " {{ messages[1].tool_call_id }} {{ messages[1].name }} {{ tools[0] | tojson }}";
    assertThat(JinjaChatTemplate.of(template, null, null).render(List.of(withCall, result), tools, false, false))
        .isEqualTo("c1 function f {\"a\":1} why F c1 f {\"type\": \"function\", \"function\": {\"name\": \"f\", "
            + "\"parameters\": {\"type\": \"object\"}}}");
    // With OBJECT arguments the template gets a mapping.
    assertThat(JinjaChatTemplate.of("{{ messages[0].tool_calls[0].function.arguments.a }} {{ 'T' if "
            + "messages[0].tool_calls[0].function.arguments is mapping else 'F' }}", null, null, ToolArgumentsForm.OBJECT)
        .render(List.of(withCall), null, false, false))
        .isEqualTo("1 T");
  }

  @Test
  void messageTextIsNeverInterpretedAsTemplate() {
    assertThat(JinjaChatTemplate.of("{{ messages[0].content }}", null, null)
        .render(List.of(user("{{ 1 + 1 }} {% if true %}x{% endif %} {# c #}")), null, false, false))
        .isEqualTo("{{ 1 + 1 }} {% if true %}x{% endif %} {# c #}");
  }

  @Test
  void controlCharactersArePrintedRaw() {
    assertThat(JinjaChatTemplate.of("{{ messages[0].content }}", null, null)
        .render(List.of(user("a\u0001b\u001f\u2028")), null, false, false))
        .isEqualTo("a\u0001b\u001f\u2028");
  }

  @Test
  void generationTagRendersItsBody() {
    assertThat(render("{% generation %}{{ messages[0].role }}!{% endgeneration %}")).isEqualTo("user!");
  }

  @Test
  void strftimeNowGivesTheDate() {
    assertThat(render("{{ strftime_now('%Y') }}")).matches("\\d{4}");
  }

  @Test
  void raiseExceptionFailsTheRenderWithItsMessage() {
    JinjaChatTemplate template =
        JinjaChatTemplate.of("ok\n{% if messages[0].role != 'system' %}{{ raise_exception('System message required.') }}{% endif %}",
            null, null);
    assertThatThrownBy(() -> template.render(MESSAGES, null, false, false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("chat template raised an exception (line 2): System message required.");
  }

  @Test
  void malformedTemplatesAreRejectedWithTheLineAndProblem() {
    assertThatThrownBy(() -> JinjaChatTemplate.of("{% for m in messages %}\n{{ m.role }}", null, null))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template does not parse: line 1: ")
        .hasMessageContaining("endfor");
    assertThatThrownBy(() -> JinjaChatTemplate.of("{% nosuchtag %}", null, null))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("chat template does not parse: line 1: Syntax error in '{% nosuchtag %}': Unknown tag: nosuchtag");
    JinjaChatTemplate emptyIf = JinjaChatTemplate.of("{% if %}x{% endif %}", null, null);
    assertThatThrownBy(() -> emptyIf.render(MESSAGES, null, false, false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("Tag 'if' expects expression");
    assertThatThrownBy(() -> JinjaChatTemplate.of("  \n", null, null))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("chat template is empty");
    JinjaChatTemplate badExpression = JinjaChatTemplate.of("a\n{{ messages[ }}", null, null);
    assertThatThrownBy(() -> badExpression.render(MESSAGES, null, false, false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template failed to render: line 2: ");
    JinjaChatTemplate badCall = JinjaChatTemplate.of("{{ messages[0].content.startswith() }}", null, null);
    assertThatThrownBy(() -> badCall.render(MESSAGES, null, false, false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("str.startswith() takes 1 argument(s), got 0");
    JinjaChatTemplate badSeparators = JinjaChatTemplate.of("{{ messages | tojson(separators=[',']) }}", null, null);
    assertThatThrownBy(() -> badSeparators.render(MESSAGES, null, false, false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("separators must be a pair (item_separator, key_separator), got 1 element(s)");
  }

  @Test
  void missingMessageFieldsAreNamed() {
    JinjaChatTemplate template = Fixtures.fixtureTemplate(ToolArgumentsForm.STRING);
    NanbeigeChatRenderer builtIn = new NanbeigeChatRenderer();
    for (ChatPromptRenderer renderer : List.<ChatPromptRenderer>of(template, builtIn)) {
      assertThatThrownBy(() -> renderer.render(List.of(user("q"), new ChatMessage(null, "x", null, null, null, null)), null, true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("messages[1] has no role");
      assertThatThrownBy(() -> renderer.render(List.of(new ChatMessage("developer", "x", null, null, null, null)), null, true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("messages[0] has role \"developer\"; the prompt format knows system, user, assistant and tool");
      assertThatThrownBy(() -> renderer.render(List.of(user("q"), assistant("r", "", call("c", null, "{}"))), null, true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("messages[1].tool_calls[0] has no function name");
      assertThatThrownBy(() -> renderer.render(List.of(user("q"), assistant("r", "", call("c", "f", null))), null, true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("messages[1].tool_calls[0] (f) has no arguments; use \"{}\" for none");
      assertThatThrownBy(() -> renderer.render(List.of(user("q")), List.of(new ToolSpec("function", null)), true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("tools[0] has no function");
      assertThatThrownBy(() -> renderer.render(List.of(user("q")), List.of(ToolSpec.function("", "d", null)), true, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("tools[0] has no function name");
    }
    assertThatThrownBy(() -> builtIn.render(List.of(), null, true, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("messages is empty: a prompt needs at least one message");
  }
}
