package io.fathom.protocol.template;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The conversation as Hugging Face templates see it: plain maps and lists, keys in wire order, absent (null)
 * fields left out so that {@code is defined} / {@code is string} tests behave as with Python dicts.
 */
final class TemplateValues {

  private TemplateValues() {}

  /** {@code messages}: role, content, reasoning_content, tool_calls, tool_call_id, name. */
  static List<Map<String, Object>> messages(List<ChatMessage> messages, ToolArgumentsForm argumentsForm) {
    List<Map<String, Object>> out = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      putIfPresent(map, "content", m.content());
      putIfPresent(map, "reasoning_content", m.reasoningContent());
      if (m.toolCalls() != null) {
        List<Object> calls = new ArrayList<>(m.toolCalls().size());
        for (ToolCall call : m.toolCalls()) {
          calls.add(toolCall(call, argumentsForm));
        }
        map.put("tool_calls", calls);
      }
      putIfPresent(map, "tool_call_id", m.toolCallId());
      putIfPresent(map, "name", m.name());
      out.add(map);
    }
    return out;
  }

  private static Map<String, Object> toolCall(ToolCall call, ToolArgumentsForm argumentsForm) {
    Map<String, Object> function = new LinkedHashMap<>();
    function.put("name", call.function().name());
    function.put("arguments", plain(argumentsForm.templateValue(call.function().arguments())));
    Map<String, Object> map = new LinkedHashMap<>();
    putIfPresent(map, "id", call.id());
    putIfPresent(map, "type", call.type());
    map.put("function", function);
    return map;
  }

  /** {@code tools}: {@code {"type": "function", "function": {"name", "description", "parameters"}}}. */
  static List<Map<String, Object>> tools(List<ToolSpec> tools) {
    if (tools == null) {
      return List.of();
    }
    List<Map<String, Object>> out = new ArrayList<>(tools.size());
    for (ToolSpec tool : tools) {
      Map<String, Object> function = new LinkedHashMap<>();
      function.put("name", tool.function().name());
      putIfPresent(function, "description", tool.function().description());
      if (tool.function().parameters() != null) {
        function.put("parameters", plain(tool.function().parameters()));
      }
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("type", Conversations.toolType(tool));
      map.put("function", function);
      out.add(map);
    }
    return out;
  }

  /** A JSON node as plain Java values (LinkedHashMap, ArrayList, String, Number, Boolean, null); others as is. */
  static Object plain(Object value) {
    if (!(value instanceof JsonNode node)) {
      return value;
    }
    return switch (node.getNodeType()) {
      case OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          map.put(e.getKey(), plain(e.getValue()));
        }
        yield map;
      }
      case ARRAY -> {
        List<Object> list = new ArrayList<>(node.size());
        for (JsonNode item : node.values()) {
          list.add(plain(item));
        }
        yield list;
      }
      case STRING -> node.stringValue();
      case NUMBER -> node.numberValue();
      case BOOLEAN -> node.booleanValue();
      case NULL, MISSING -> null;
      default -> node.asString();
    };
  }

  private static void putIfPresent(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
