package io.fathom.protocol.openai;

import tools.jackson.databind.JsonNode;

/** A tool offered to the model in a chat completion request. */
public record ToolSpec(String type, FunctionSpec function) {

  public static ToolSpec function(String name, String description, JsonNode parameters) {
    return new ToolSpec("function", new FunctionSpec(name, description, parameters));
  }

  /** A function's name, description and JSON Schema parameters. */
  public record FunctionSpec(String name, String description, JsonNode parameters) {}
}
