package io.fathom.protocol.chat;

import io.fathom.protocol.chat.ParseEvent.ParseError;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import java.util.List;
import java.util.Objects;

/**
 * The summary of one generation, returned by {@link NanbeigeOutputParser#finish(String)}.
 *
 * @param reasoning all reasoning, exactly the concatenation of the {@link ParseEvent.ReasoningDelta}s
 * @param content the visible content (all {@link ParseEvent.ContentDelta}s concatenated), with leading and
 *     trailing whitespace removed: the chat template left-strips content after {@code </think>} and writes its
 *     own {@code "\n"} between the content and the first tool call
 * @param toolCalls the valid calls, in order (their indexes are 0, 1, 2…)
 * @param errors every problem found, in output order
 * @param finishReason the finish reason given to {@code finish}, e.g. "stop" or "length"
 */
public record ParsedTurn(
    String reasoning,
    String content,
    List<ToolCallParsed> toolCalls,
    List<ParseError> errors,
    String finishReason) {

  public ParsedTurn {
    Objects.requireNonNull(reasoning, "reasoning");
    Objects.requireNonNull(content, "content");
    toolCalls = List.copyOf(toolCalls);
    errors = List.copyOf(errors);
    Objects.requireNonNull(finishReason, "finishReason");
  }

  public boolean hasErrors() {
    return !errors.isEmpty();
  }
}
