package io.fathom.protocol.template;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Checks that a conversation has every field the prompt format needs, naming the first that is missing. */
final class Conversations {

  static final String SYSTEM = "system";
  static final String USER = "user";
  static final String ASSISTANT = "assistant";
  static final String TOOL = "tool";

  private static final Set<String> ROLES = Set.of(SYSTEM, USER, ASSISTANT, TOOL);

  private Conversations() {}

  /**
   * @throws IllegalArgumentException naming the message, call or tool at fault
   * @throws NullPointerException if {@code messages} is null
   */
  static void check(List<ChatMessage> messages, List<ToolSpec> tools) {
    Objects.requireNonNull(messages, "messages");
    for (int i = 0; i < messages.size(); i++) {
      checkMessage(messages.get(i), "messages[" + i + "]");
    }
    if (tools != null) {
      for (int i = 0; i < tools.size(); i++) {
        checkTool(tools.get(i), "tools[" + i + "]");
      }
    }
  }

  static void checkMessage(ChatMessage message, String where) {
    if (message == null) {
      throw new IllegalArgumentException(where + " is null");
    }
    if (message.role() == null) {
      throw new IllegalArgumentException(where + " has no role");
    }
    if (!ROLES.contains(message.role())) {
      throw new IllegalArgumentException(where + " has role \"" + message.role()
          + "\"; the prompt format knows system, user, assistant and tool");
    }
    List<ToolCall> calls = message.toolCalls();
    if (calls == null) {
      return;
    }
    for (int j = 0; j < calls.size(); j++) {
      ToolCall call = calls.get(j);
      String at = where + ".tool_calls[" + j + "]";
      if (call == null || call.function() == null) {
        throw new IllegalArgumentException(at + " has no function");
      }
      if (call.function().name() == null || call.function().name().isEmpty()) {
        throw new IllegalArgumentException(at + " has no function name");
      }
      if (call.function().arguments() == null) {
        throw new IllegalArgumentException(at + " (" + call.function().name() + ") has no arguments; use \"{}\" for none");
      }
    }
  }

  static void checkTool(ToolSpec tool, String where) {
    if (tool == null || tool.function() == null) {
      throw new IllegalArgumentException(where + " has no function");
    }
    if (tool.function().name() == null || tool.function().name().isEmpty()) {
      throw new IllegalArgumentException(where + " has no function name");
    }
  }

  /** The type written for a tool spec: the given one, "function" when absent. */
  static String toolType(ToolSpec tool) {
    return tool.type() == null ? "function" : tool.type();
  }

  /**
   * The index of the last real user query: the last user message whose content is not a wrapped
   * {@code <tool_response>…</tool_response>}; {@code messages.size() - 1} when there is none.
   */
  static int lastQueryIndex(List<ChatMessage> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      ChatMessage m = messages.get(i);
      if (USER.equals(m.role()) && m.content() != null && !isWrappedToolResponse(m.content())) {
        return i;
      }
    }
    return messages.size() - 1;
  }

  private static boolean isWrappedToolResponse(String content) {
    return content.startsWith("<tool_response>") && content.endsWith("</tool_response>");
  }
}
