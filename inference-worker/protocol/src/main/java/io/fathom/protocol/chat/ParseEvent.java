package io.fathom.protocol.chat;

import java.util.Objects;

/**
 * What {@link NanbeigeOutputParser} reports while it reads a generation, in output order. Deltas are
 * emitted as soon as they are certain, so they are split arbitrarily: consumers concatenate them.
 */
public sealed interface ParseEvent {

  /** A piece of reasoning, the text inside {@code <think>…</think>} (newlines next to the tags removed). */
  record ReasoningDelta(String text) implements ParseEvent {
    public ReasoningDelta {
      Objects.requireNonNull(text, "text");
    }
  }

  /** A piece of visible content, text outside think and tool_call blocks, never containing a partial tag. */
  record ContentDelta(String text) implements ParseEvent {
    public ContentDelta {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A valid call to a known tool, emitted when its {@code </tool_call>} is read.
   *
   * @param index position among the valid calls of this turn: 0, 1, 2…
   * @param name the function name, one of the parser's known tools
   * @param argumentsJson the arguments object as compact JSON text (non-ASCII kept as is)
   */
  record ToolCallParsed(int index, String name, String argumentsJson) implements ParseEvent {
    public ToolCallParsed {
      if (index < 0) {
        throw new IllegalArgumentException("index must be >= 0: " + index);
      }
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(argumentsJson, "argumentsJson");
    }
  }

  /**
   * Something the model wrote that cannot be acted on.
   *
   * @param kind what went wrong
   * @param detail a complete, model-facing explanation: what was found and what was expected
   * @param raw the model text the error is about (a tool_call body, possibly partial or an excerpt), or ""
   *     when the error concerns the generation as a whole
   */
  record ParseError(ParseErrorKind kind, String detail, String raw) implements ParseEvent {
    public ParseError {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(raw, "raw");
    }

    /** The text to send back to the model as the result of the failed call. */
    public String toolErrorMessage() {
      return "Error: " + kind.summary() + ". " + detail;
    }
  }
}
