package io.fathom.protocol.chat;

import io.fathom.protocol.chat.ParseEvent.ContentDelta;
import io.fathom.protocol.chat.ParseEvent.ParseError;
import io.fathom.protocol.chat.ParseEvent.ReasoningDelta;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Passes events to the caller's sink and keeps what {@link ParsedTurn} needs, within the size limits:
 * reasoning and content beyond their limit are dropped (from the events too, so that the deltas always add
 * up to the turn) and reported once.
 */
final class TurnRecorder {

  private final Consumer<? super ParseEvent> sink;
  private final int maxReasoningChars;
  private final int maxContentChars;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder content = new StringBuilder();
  private final List<ToolCallParsed> toolCalls = new ArrayList<>();
  private final List<ParseError> errors = new ArrayList<>();
  private boolean reasoningFull;
  private boolean contentFull;

  TurnRecorder(Consumer<? super ParseEvent> sink, int maxReasoningChars, int maxContentChars) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.maxReasoningChars = maxReasoningChars;
    this.maxContentChars = maxContentChars;
  }

  void reasoning(String text) {
    if (reasoningFull || text.isEmpty()) {
      return;
    }
    String kept = bounded(reasoning, maxReasoningChars, text);
    if (!kept.isEmpty()) {
      reasoning.append(kept);
      sink.accept(new ReasoningDelta(kept));
    }
    if (kept.length() < text.length()) {
      reasoningFull = true;
      error(
          ParseErrorKind.REASONING_TOO_LONG,
          "The reasoning went past " + maxReasoningChars + " characters; the rest of it was dropped.",
          "");
    }
  }

  void content(String text) {
    if (contentFull || text.isEmpty()) {
      return;
    }
    String kept = bounded(content, maxContentChars, text);
    if (!kept.isEmpty()) {
      content.append(kept);
      sink.accept(new ContentDelta(kept));
    }
    if (kept.length() < text.length()) {
      contentFull = true;
      error(
          ParseErrorKind.CONTENT_TOO_LONG,
          "The answer went past " + maxContentChars + " characters; the rest of it was dropped.",
          "");
    }
  }

  void toolCall(String name, String argumentsJson) {
    ToolCallParsed call = new ToolCallParsed(toolCalls.size(), name, argumentsJson);
    toolCalls.add(call);
    sink.accept(call);
  }

  void error(ParseErrorKind kind, String detail, String raw) {
    ParseError error = new ParseError(kind, detail, raw);
    errors.add(error);
    sink.accept(error);
  }

  ParsedTurn turn(String finishReason) {
    return new ParsedTurn(reasoning.toString(), content.toString().strip(), toolCalls, errors, finishReason);
  }

  private static String bounded(StringBuilder target, int max, String text) {
    int room = max - target.length();
    return text.length() <= room ? text : TextCut.head(text, room);
  }
}
