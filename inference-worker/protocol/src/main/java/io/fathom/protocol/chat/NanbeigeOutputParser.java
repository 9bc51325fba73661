package io.fathom.protocol.chat;

import io.fathom.protocol.chat.ToolCallBodyParser.Accepted;
import io.fathom.protocol.chat.ToolCallBodyParser.Rejected;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Streaming parser for one Nanbeige4.1-3B generation (Qwen3-style ChatML):
 * {@code <think>\n…\n</think>\n\n} then content and/or {@code <tool_call>\n{json}\n</tool_call>} blocks; the
 * stop token {@code <|im_end|>} is not part of the text.
 *
 * <p>Feed decoded text chunks of any size with {@link #feed}; events go to the sink as soon as they are
 * certain. A tag may be split across chunks: text that could still become {@code <think>}, {@code </think>}
 * or {@code <tool_call>} is held back until resolved. Then call {@link #finish} once. The events do not
 * depend on how the text was chunked, except that deltas may be split differently.
 *
 * <p>What is stripped, like the chat template renders it: one {@code "\n"} right after {@code <think>}, one
 * {@code "\n"} right before {@code </think>}, and up to two {@code "\n"} right after {@code </think>}. Content
 * deltas are otherwise verbatim (including the newlines between content and tool calls); the
 * {@link ParsedTurn} content is trimmed. Inside a think block only {@code </think>} is a tag; inside a tool_call
 * block only {@code </tool_call>} is. A stray {@code </think>} in content is dropped; a later
 * {@code <think>} block in content is reasoning too.
 *
 * <p>With {@link ReasoningStart#DETECT} and an output that does not open with {@code <think>}, nothing is
 * emitted until a {@code </think>} makes all text before it reasoning (one trailing {@code "\n"} stripped, no
 * leading one: the opening tag is taken to have been {@code <think>\n} in the prompt), or until the end of the
 * generation (or {@value #MAX_REASONING_CHARS} chars) makes it content, tool calls included.
 *
 * <p>Bounded memory: a tool_call body is buffered up to {@value #MAX_TOOL_CALL_BODY_CHARS} characters, then
 * discarded as {@link ParseErrorKind#TOOL_CALL_TOO_LARGE}; the turn keeps at most
 * {@value #MAX_REASONING_CHARS} characters of reasoning and {@value #MAX_CONTENT_CHARS} of content. Limits
 * count UTF-16 chars.
 *
 * <p>Not thread-safe: one instance per generation, fed from one thread at a time.
 */
public final class NanbeigeOutputParser {

  /** Longest tool_call body (text between the tags), in chars: 1 MiB. */
  public static final int MAX_TOOL_CALL_BODY_CHARS = 1 << 20;

  /** Longest reasoning kept, in chars: 16 MiB. Also how long {@link ReasoningStart#DETECT} waits for {@code </think>}. */
  public static final int MAX_REASONING_CHARS = 16 << 20;

  /** Longest content kept, in chars: 16 MiB. */
  public static final int MAX_CONTENT_CHARS = 16 << 20;

  /** The finish reason of a generation stopped by its token limit. */
  public static final String FINISH_LENGTH = "length";

  /** The finish reason of a generation that wrote its stop token. */
  public static final String FINISH_STOP = "stop";

  /** Input is taken in slices of this many chars, so that consuming from the front of the buffer stays cheap. */
  private static final int SLICE_CHARS = 8192;

  private static final List<ChatTag> CONTENT_TAGS =
      List.of(ChatTag.THINK_OPEN, ChatTag.THINK_CLOSE, ChatTag.TOOL_CALL_OPEN);
  private static final List<String> CONTENT_PARTIALS =
      CONTENT_TAGS.stream().map(ChatTag::text).toList();
  private static final List<String> REASONING_PARTIALS =
      List.of("\n" + ChatTag.THINK_CLOSE.text(), ChatTag.THINK_CLOSE.text());
  private static final List<String> TOOL_CALL_PARTIALS = List.of(ChatTag.TOOL_CALL_CLOSE.text());

  private enum State {
    /** {@link ReasoningStart#DETECT}, before it is known whether the text so far is reasoning or content. */
    UNDETERMINED,
    REASONING,
    CONTENT,
    TOOL_CALL,
    /** Inside a tool_call block already reported as too large: skipping to its end. */
    OVERSIZED_TOOL_CALL,
    FINISHED
  }

  private final ToolCallBodyParser bodyParser;
  private final TurnRecorder recorder;
  /** Text received and not yet emitted: a held-back partial tag, or a buffered body / undetermined text. */
  private final StringBuilder pending = new StringBuilder();
  private State state;
  /** UNDETERMINED: whether the output may still turn out to open with {@code <think>} (after whitespace). */
  private boolean leadingThinkPossible = true;
  /**
   * UNDETERMINED, TOOL_CALL: where in {@code pending} to resume searching for the closing tag (while a leading
   * {@code <think>} is still possible: where the leading whitespace ends).
   */
  private int scanFrom;
  /** REASONING: a {@code <think>} was just read and the {@code "\n"} after it is still to be dropped. */
  private boolean newlineAfterThinkOpen;
  /** CONTENT: how many more {@code "\n"} to drop (those after {@code </think>}). */
  private int newlinesToSkip;

  /** A parser that detects whether the output opens with reasoning ({@link ReasoningStart#DETECT}). */
  public NanbeigeOutputParser(Set<String> knownTools, Consumer<? super ParseEvent> sink) {
    this(knownTools, ReasoningStart.DETECT, sink);
  }

  /**
   * @param knownTools the names of the functions offered to the model; calls to others are
   *     {@link ParseErrorKind#UNKNOWN_FUNCTION}
   * @param start how the prompt ended, see {@link ReasoningStart}
   * @param sink receives every event, in order, on the thread that calls {@code feed} / {@code finish}
   */
  public NanbeigeOutputParser(Set<String> knownTools, ReasoningStart start, Consumer<? super ParseEvent> sink) {
    this.bodyParser = new ToolCallBodyParser(Objects.requireNonNull(knownTools, "knownTools"));
    this.recorder = new TurnRecorder(sink, MAX_REASONING_CHARS, MAX_CONTENT_CHARS);
    this.state =
        switch (Objects.requireNonNull(start, "start")) {
          case DETECT -> State.UNDETERMINED;
          case OPENED_BY_PROMPT -> State.REASONING;
        };
  }

  /** Parses a whole generation at once ({@link ReasoningStart#DETECT}). */
  public static ParsedTurn parseAll(String text, String finishReason, Set<String> knownTools) {
    NanbeigeOutputParser parser = new NanbeigeOutputParser(knownTools, event -> {});
    parser.feed(text);
    return parser.finish(finishReason);
  }

  /** Reads the next piece of decoded text. */
  public void feed(CharSequence chunk) {
    Objects.requireNonNull(chunk, "chunk");
    if (state == State.FINISHED) {
      throw new IllegalStateException("feed after finish");
    }
    read(chunk);
  }

  /**
   * Ends the generation: emits the held-back text, then the errors the end reveals
   * ({@link ParseErrorKind#UNCLOSED_THINK}, {@link ParseErrorKind#CUT_BY_LENGTH}), and returns the summary.
   * A tool_call block left open by a "stop" (the model wrote its stop token before {@code </tool_call>}) is
   * read as if it had been closed.
   *
   * @param finishReason {@value #FINISH_STOP} or {@value #FINISH_LENGTH} (any other value is treated like "stop")
   */
  public ParsedTurn finish(String finishReason) {
    Objects.requireNonNull(finishReason, "finishReason");
    if (state == State.FINISHED) {
      throw new IllegalStateException("finish called twice");
    }
    boolean cutByLength = FINISH_LENGTH.equals(finishReason);
    if (state == State.UNDETERMINED) {
      replayAsContent(); // no </think> came: the text was not reasoning
    }
    switch (state) {
      case CONTENT -> recorder.content(pending.toString());
      case REASONING -> {
        dropNewlineAfterThinkOpen();
        recorder.reasoning(pending.toString());
        recorder.error(ParseErrorKind.UNCLOSED_THINK, unclosedThink(cutByLength), "");
      }
      case TOOL_CALL -> {
        if (cutByLength) {
          recorder.error(ParseErrorKind.CUT_BY_LENGTH, cutByLength(), pending.toString());
        } else {
          int partialClose = ChatTag.partialTagLength(pending, TOOL_CALL_PARTIALS);
          completeToolCall(pending.substring(0, pending.length() - partialClose));
        }
      }
      case OVERSIZED_TOOL_CALL, UNDETERMINED, FINISHED -> {}
    }
    pending.setLength(0);
    state = State.FINISHED;
    return recorder.turn(finishReason);
  }

  private void read(CharSequence text) {
    for (int from = 0; from < text.length(); from += SLICE_CHARS) {
      pending.append(text, from, Math.min(text.length(), from + SLICE_CHARS));
      advance();
    }
  }

  /** Reads the undetermined text again, as content. */
  private void replayAsContent() {
    String undetermined = pending.toString();
    pending.setLength(0);
    enterContent(0);
    read(undetermined);
  }

  private void advance() {
    boolean progressed = true;
    while (progressed) {
      progressed =
          switch (state) {
            case UNDETERMINED -> stepUndetermined();
            case REASONING -> stepReasoning();
            case CONTENT -> stepContent();
            case TOOL_CALL -> stepToolCall();
            case OVERSIZED_TOOL_CALL -> stepOversizedToolCall();
            case FINISHED -> false;
          };
    }
  }

  /** Each step consumes what it can from {@code pending}; true when the state changed and there may be more. */
  private boolean stepUndetermined() {
    if (leadingThinkPossible) {
      int start = scanFrom;
      while (start < pending.length() && Character.isWhitespace(pending.charAt(start))) {
        start++;
      }
      if (ChatTag.THINK_OPEN.occursAt(pending, start)) {
        pending.delete(0, start + ChatTag.THINK_OPEN.length());
        enterReasoning(true);
        return true;
      }
      if (start < pending.length() && !ChatTag.THINK_OPEN.isPrefixedBy(pending, start)) {
        leadingThinkPossible = false;
        scanFrom = 0;
      } else {
        // Only whitespace, maybe followed by the start of "<think>": remember where the whitespace ends.
        scanFrom = start;
        return contentIfLongerThanReasoning();
      }
    }
    int close = pending.indexOf(ChatTag.THINK_CLOSE.text(), scanFrom);
    if (close >= 0) {
      // Bare reasoning closed by </think>: everything before it was reasoning.
      return closeReasoningAt(close);
    }
    scanFrom = Math.max(0, pending.length() - (ChatTag.THINK_CLOSE.length() - 1));
    return contentIfLongerThanReasoning();
  }

  /** Records the pending text before {@code </think>} at {@code close} as reasoning; content follows. */
  private boolean closeReasoningAt(int close) {
    String reasoning = pending.substring(0, close);
    pending.delete(0, close + ChatTag.THINK_CLOSE.length());
    recorder.reasoning(withoutTrailingNewline(reasoning));
    enterContent(2);
    return true;
  }

  /** Undetermined text longer than any reasoning may be, still without {@code </think>}, is content. */
  private boolean contentIfLongerThanReasoning() {
    if (pending.length() > MAX_REASONING_CHARS) {
      replayAsContent();
      return true;
    }
    return false;
  }

  private boolean stepReasoning() {
    dropNewlineAfterThinkOpen();
    if (newlineAfterThinkOpen) {
      return false;
    }
    int close = pending.indexOf(ChatTag.THINK_CLOSE.text());
    if (close >= 0) {
      return closeReasoningAt(close);
    }
    recorder.reasoning(takeCertainText(REASONING_PARTIALS));
    return false;
  }

  private boolean stepContent() {
    while (newlinesToSkip > 0 && !pending.isEmpty()) {
      if (pending.charAt(0) != '\n') {
        newlinesToSkip = 0;
      } else {
        pending.deleteCharAt(0);
        newlinesToSkip--;
      }
    }
    if (pending.isEmpty()) {
      return false;
    }
    ChatTag.Found tag = ChatTag.earliest(pending, CONTENT_TAGS);
    if (tag == null) {
      recorder.content(takeCertainText(CONTENT_PARTIALS));
      return false;
    }
    String before = pending.substring(0, tag.index());
    pending.delete(0, tag.end());
    newlinesToSkip = 0;
    recorder.content(before);
    switch (tag.tag()) {
      case THINK_OPEN -> enterReasoning(true);
      case THINK_CLOSE -> enterContent(2); // a stray </think> is dropped, like the newlines after one
      case TOOL_CALL_OPEN -> enterToolCall();
      case TOOL_CALL_CLOSE -> throw new IllegalStateException("not searched for in content");
    }
    return true;
  }

  private boolean stepToolCall() {
    String closeTag = ChatTag.TOOL_CALL_CLOSE.text();
    int close = pending.indexOf(closeTag, scanFrom);
    if (close >= 0) {
      String body = pending.substring(0, close);
      pending.delete(0, close + closeTag.length());
      completeToolCall(body);
      enterContent(0);
      return true;
    }
    int mayStillClose = closeTag.length() - 1;
    if (pending.length() - mayStillClose > MAX_TOOL_CALL_BODY_CHARS) {
      recorder.error(ParseErrorKind.TOOL_CALL_TOO_LARGE, tooLarge(), excerpt(pending.toString()));
      pending.delete(0, pending.length() - mayStillClose);
      state = State.OVERSIZED_TOOL_CALL;
      return true;
    }
    scanFrom = Math.max(0, pending.length() - mayStillClose);
    return false;
  }

  private boolean stepOversizedToolCall() {
    String closeTag = ChatTag.TOOL_CALL_CLOSE.text();
    int close = pending.indexOf(closeTag);
    if (close >= 0) {
      pending.delete(0, close + closeTag.length());
      enterContent(0);
      return true;
    }
    int mayStillClose = closeTag.length() - 1;
    if (pending.length() > mayStillClose) {
      pending.delete(0, pending.length() - mayStillClose);
    }
    return false;
  }

  private void completeToolCall(String body) {
    if (body.length() > MAX_TOOL_CALL_BODY_CHARS) {
      recorder.error(ParseErrorKind.TOOL_CALL_TOO_LARGE, tooLarge(), excerpt(body));
      return;
    }
    switch (bodyParser.parse(body)) {
      case Accepted call -> recorder.toolCall(call.name(), call.argumentsJson());
      case Rejected rejected -> recorder.error(rejected.kind(), rejected.detail(), body);
    }
  }

  /** Removes and returns the start of {@code pending} that cannot be part of a tag (nor split a surrogate pair). */
  private String takeCertainText(List<String> partials) {
    int end = pending.length() - ChatTag.partialTagLength(pending, partials);
    if (end > 0 && Character.isHighSurrogate(pending.charAt(end - 1))) {
      end--;
    }
    String text = pending.substring(0, end);
    pending.delete(0, end);
    return text;
  }

  /** Drops the {@code "\n"} right after {@code <think>} once the first char after the tag has arrived. */
  private void dropNewlineAfterThinkOpen() {
    if (newlineAfterThinkOpen && !pending.isEmpty()) {
      if (pending.charAt(0) == '\n') {
        pending.deleteCharAt(0);
      }
      newlineAfterThinkOpen = false;
    }
  }

  private void enterReasoning(boolean afterOpenTag) {
    state = State.REASONING;
    newlineAfterThinkOpen = afterOpenTag;
  }

  private void enterContent(int newlinesAfterTag) {
    state = State.CONTENT;
    newlinesToSkip = newlinesAfterTag;
  }

  private void enterToolCall() {
    state = State.TOOL_CALL;
    scanFrom = 0;
  }

  private static String withoutTrailingNewline(String text) {
    return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
  }

  private static String excerpt(String raw) {
    return TextCut.head(raw, 1024);
  }

  private static String unclosedThink(boolean cutByLength) {
    return (cutByLength
            ? "The output reached its length limit while still reasoning inside <think>"
            : "The output ended while still reasoning inside <think>")
        + ": </think> was never written, so there is no answer and no tool call. Keep the reasoning short, close"
        + " it with </think>, then answer or call a tool.";
  }

  private static String cutByLength() {
    return "The output reached its length limit inside a <tool_call> block, so the call was not made. Make the"
        + " call again with shorter arguments, or split the work into smaller calls.";
  }

  private static String tooLarge() {
    return "A <tool_call> block was longer than " + MAX_TOOL_CALL_BODY_CHARS + " characters and was discarded."
        + " Make the call again with shorter arguments, or split the work into smaller calls.";
  }
}
