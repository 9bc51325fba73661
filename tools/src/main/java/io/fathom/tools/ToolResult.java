package io.fathom.tools;

import java.util.Map;

/** The outcome of one tool call: a text result for the model, or an error the model is shown. */
public sealed interface ToolResult {

  /** The text the model sees. */
  String text();

  /** A successful call. */
  record Success(String text, Map<String, Object> metadata) implements ToolResult {
    public Success {
      metadata = Map.copyOf(metadata);
    }

    public static Success of(String text) {
      return new Success(text, Map.of());
    }
  }

  /** A failed call; {@code code} is a stable machine-readable reason. */
  record Failure(String code, String message) implements ToolResult {
    @Override
    public String text() {
      return "Error (" + code + "): " + message;
    }
  }

  static Failure failure(String code, String message) {
    return new Failure(code, message);
  }
}
