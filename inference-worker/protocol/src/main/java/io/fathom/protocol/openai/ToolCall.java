package io.fathom.protocol.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** A tool call requested by the model; {@code arguments} is the raw JSON text the model wrote. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ToolCall(String id, String type, FunctionCall function) {

  public static ToolCall function(String id, String name, String arguments) {
    return new ToolCall(id, "function", new FunctionCall(name, arguments));
  }

  /** The function name and its arguments as JSON text. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FunctionCall(String name, String arguments) {}
}
