package io.fathom.protocol.template;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.util.List;
import java.util.Objects;

/**
 * The built-in renderer of the Nanbeige4.1-3B prompt format (Qwen3-style ChatML), character for character what
 * the model's chat template produces (see /work/shared/nanbeige-chat-format.md), without a template engine.
 *
 * <p>Besides whole prompts it renders the two pieces a tool loop appends, each exactly the suffix that a full
 * render adds, so that a token ledger built by appending stays equal to a fresh render:
 * {@link #renderAssistantTurn} (the turn of a generated output) and {@link #renderToolResponses} (the results
 * of a round). One caveat comes from the template itself: an assistant turn after the last real user query
 * with <em>empty</em> reasoning shows an empty think block only while it is the last message, so it changes
 * once anything follows it; with non-empty reasoning (what the model writes) the prompt only grows at its end.
 *
 * <p>Immutable and thread-safe.
 */
public final class NanbeigeChatRenderer implements ChatPromptRenderer {

  /** Opens a turn (special token 166100). */
  public static final String IM_START = "<|im_start|>";

  /** Ends a turn (special token 166101, the stop token). */
  public static final String IM_END = "<|im_end|>";

  /** The system prompt when the conversation has no system message and no tools are given. */
  public static final String DEFAULT_SYSTEM_PROMPT = "你是南北阁，一款由BOSS直聘自主研发并训练的专业大语言模型。";

  /** The system prompt when tools are given and the conversation has no system message. */
  public static final String DEFAULT_TOOLS_SYSTEM_PROMPT =
      "你是一位工具函数调用专家，你会得到一个问题和一组可能的工具函数。根据问题，你需要进行一个或多个函数/工具调用以实现目的，"
          + "请尽量尝试探索通过工具解决问题。\n如果没有一个函数可以使用，请直接使用自然语言回复用户。\n"
          + "如果给定的问题缺少函数所需的参数，请使用自然语言进行提问，向用户询问必要信息。\n"
          + "如果调用结果已经足够回答用户问题，请对历史结果进行总结，使用自然语言回复用户。";

  /** The opening of the assistant turn the model writes; the model opens {@code <think>} itself. */
  public static final String GENERATION_PROMPT = IM_START + "assistant\n";

  static final String TOOLS_PREAMBLE =
      "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
          + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";

  static final String TOOLS_POSTAMBLE =
      "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
          + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
          + "<args-json-object>}\n</tool_call>" + IM_END + "\n";

  private static final String THINK_OPEN = "<think>";
  private static final String THINK_CLOSE = "</think>";

  private final ToolArgumentsForm argumentsForm;

  /** A renderer that writes tool call arguments verbatim ({@link ToolArgumentsForm#STRING}). */
  public NanbeigeChatRenderer() {
    this(ToolArgumentsForm.STRING);
  }

  /** A renderer that writes tool call arguments in the given form. */
  public NanbeigeChatRenderer(ToolArgumentsForm argumentsForm) {
    this.argumentsForm = Objects.requireNonNull(argumentsForm, "argumentsForm");
  }

  public ToolArgumentsForm argumentsForm() {
    return argumentsForm;
  }

  @Override
  public String render(
      List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt, boolean keepAllThink) {
    Conversations.check(messages, tools);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages is empty: a prompt needs at least one message");
    }
    StringBuilder out = new StringBuilder(256 + 64 * messages.size());
    writeSystem(out, messages.getFirst(), tools);
    int lastQuery = Conversations.lastQueryIndex(messages);
    int last = messages.size() - 1;
    for (int i = 0; i <= last; i++) {
      ChatMessage message = messages.get(i);
      switch (message.role()) {
        case Conversations.SYSTEM -> {
          if (i > 0) {
            writePlainTurn(out, Conversations.SYSTEM, message.content());
          }
        }
        case Conversations.USER -> writePlainTurn(out, Conversations.USER, message.content());
        case Conversations.ASSISTANT -> writeAssistant(out, message, keepAllThink || i > lastQuery, i == last);
        case Conversations.TOOL -> {
          if (i == 0 || !isTool(messages.get(i - 1))) {
            out.append(IM_START).append(Conversations.USER);
          }
          writeToolResponse(out, message.content());
          if (i == last || !isTool(messages.get(i + 1))) {
            out.append(IM_END).append('\n');
          }
        }
        default -> throw new IllegalStateException("unchecked role " + message.role());
      }
    }
    if (addGenerationPrompt) {
      out.append(GENERATION_PROMPT);
    }
    return out.toString();
  }

  /**
   * The user turn that carries the results of one round of tool calls: what {@link #render} adds when these
   * tool messages are appended to a conversation whose last message is not a tool message.
   *
   * @param toolMessages one or more messages with role "tool", in call order
   */
  public String renderToolResponses(List<ChatMessage> toolMessages) {
    Objects.requireNonNull(toolMessages, "toolMessages");
    if (toolMessages.isEmpty()) {
      throw new IllegalArgumentException("toolMessages is empty: a tool-response turn needs at least one result");
    }
    StringBuilder out = new StringBuilder(64 * toolMessages.size());
    out.append(IM_START).append(Conversations.USER);
    for (int i = 0; i < toolMessages.size(); i++) {
      ChatMessage message = toolMessages.get(i);
      Conversations.checkMessage(message, "toolMessages[" + i + "]");
      if (!isTool(message)) {
        throw new IllegalArgumentException("toolMessages[" + i + "] has role \"" + message.role() + "\", not \"tool\"");
      }
      writeToolResponse(out, message.content());
    }
    return out.append(IM_END).append('\n').toString();
  }

  /**
   * The turn of an assistant message appended after the last real user query (the case of every turn the
   * model generates in a tool loop), think block included: what {@link #render} adds when the message is
   * appended as the last message. A prompt that ended with {@link #GENERATION_PROMPT} is followed by this turn
   * minus that prefix.
   *
   * @param assistant a message with role "assistant"
   */
  public String renderAssistantTurn(ChatMessage assistant) {
    Conversations.checkMessage(assistant, "assistant");
    if (!Conversations.ASSISTANT.equals(assistant.role())) {
      throw new IllegalArgumentException("assistant has role \"" + assistant.role() + "\", not \"assistant\"");
    }
    StringBuilder out = new StringBuilder(64);
    writeAssistant(out, assistant, true, true);
    return out.toString();
  }

  private void writeSystem(StringBuilder out, ChatMessage first, List<ToolSpec> tools) {
    boolean callerSystem = Conversations.SYSTEM.equals(first.role());
    out.append(IM_START).append(Conversations.SYSTEM).append('\n');
    if (tools != null && !tools.isEmpty()) {
      out.append(callerSystem ? text(first.content()) + "\n\n" : DEFAULT_TOOLS_SYSTEM_PROMPT);
      out.append(TOOLS_PREAMBLE);
      for (ToolSpec tool : tools) {
        out.append('\n');
        writeTool(out, tool);
      }
      out.append(TOOLS_POSTAMBLE);
    } else {
      out.append(callerSystem ? text(first.content()) : DEFAULT_SYSTEM_PROMPT).append(IM_END).append('\n');
    }
  }

  /** {@code {"type": "function", "function": {"name": …, "description": …, "parameters": …}}}, absent fields left out. */
  private static void writeTool(StringBuilder out, ToolSpec tool) {
    ToolSpec.FunctionSpec function = tool.function();
    out.append("{\"type\": ");
    PyJson.writeString(out, Conversations.toolType(tool));
    out.append(", \"function\": {\"name\": ");
    PyJson.writeString(out, function.name());
    if (function.description() != null) {
      out.append(", \"description\": ");
      PyJson.writeString(out, function.description());
    }
    if (function.parameters() != null) {
      out.append(", \"parameters\": ");
      PyJson.DEFAULT.write(out, function.parameters());
    }
    out.append("}}");
  }

  private static void writePlainTurn(StringBuilder out, String role, String content) {
    out.append(IM_START).append(role).append('\n').append(text(content)).append(IM_END).append('\n');
  }

  private static void writeToolResponse(StringBuilder out, String content) {
    out.append("\n<tool_response>\n").append(text(content)).append("\n</tool_response>");
  }

  /**
   * @param thinkRegion whether the turn is after the last real user query (or all reasoning is kept)
   * @param last whether the turn is the last message
   */
  private void writeAssistant(StringBuilder out, ChatMessage message, boolean thinkRegion, boolean last) {
    String content = text(message.content());
    String reasoning = "";
    if (message.reasoningContent() != null) {
      reasoning = message.reasoningContent();
    } else if (content.contains(THINK_CLOSE)) {
      // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
      String beforeClose = PyStrings.rstrip(content.substring(0, content.indexOf(THINK_CLOSE)), "\n");
      int open = beforeClose.lastIndexOf(THINK_OPEN);
      reasoning = PyStrings.lstrip(open < 0 ? beforeClose : beforeClose.substring(open + THINK_OPEN.length()), "\n");
      // content.split('</think>')[-1].lstrip('\n')
      content = PyStrings.lstrip(content.substring(content.lastIndexOf(THINK_CLOSE) + THINK_CLOSE.length()), "\n");
    }
    out.append(IM_START).append(Conversations.ASSISTANT).append('\n');
    if (thinkRegion && (last || !reasoning.isEmpty())) {
      out.append(THINK_OPEN).append('\n').append(PyStrings.strip(reasoning, "\n")).append('\n')
          .append(THINK_CLOSE).append("\n\n").append(PyStrings.lstrip(content, "\n"));
    } else {
      out.append(content);
    }
    List<ToolCall> calls = message.toolCalls();
    if (calls != null) {
      for (int j = 0; j < calls.size(); j++) {
        if (j > 0 || !content.isEmpty()) {
          out.append('\n');
        }
        writeToolCall(out, calls.get(j).function());
      }
    }
    out.append(IM_END).append('\n');
  }

  private void writeToolCall(StringBuilder out, ToolCall.FunctionCall function) {
    out.append("<tool_call>\n{\"name\": \"").append(function.name()).append("\", \"arguments\": ");
    Object arguments = argumentsForm.templateValue(function.arguments());
    if (arguments instanceof String verbatim) {
      out.append(verbatim);
    } else {
      PyJson.DEFAULT.write(out, arguments);
    }
    out.append("}\n</tool_call>");
  }

  private static boolean isTool(ChatMessage message) {
    return Conversations.TOOL.equals(message.role());
  }

  private static String text(String content) {
    return content == null ? "" : content;
  }
}
