package io.fathom.protocol.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One message of an OpenAI chat conversation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ChatMessage(
    String role,
    String content,
    @JsonProperty("reasoning_content") String reasoningContent,
    @JsonProperty("tool_calls") List<ToolCall> toolCalls,
    @JsonProperty("tool_call_id") String toolCallId,
    String name) {

  public static ChatMessage system(String content) {
    return new ChatMessage("system", content, null, null, null, null);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage("user", content, null, null, null, null);
  }

  public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
    return new ChatMessage(
        "assistant", content, null, toolCalls == null || toolCalls.isEmpty() ? null : toolCalls, null, null);
  }

  public static ChatMessage tool(String toolCallId, String name, String content) {
    return new ChatMessage("tool", content, null, null, toolCallId, name);
  }
}
