package io.fathom.protocol.chat;

/** The closed set of problems {@link NanbeigeOutputParser} reports as {@link ParseEvent.ParseError}s. */
public enum ParseErrorKind {
  /** A tool_call body that is not JSON at all, e.g. {@code <tool_call>get_weather</tool_call>}, or empty. */
  BARE_TOOL_CALL("the tool call is not a JSON object"),
  /** A tool_call body that starts like JSON but does not parse; the detail says where. */
  MALFORMED_JSON("the tool call is not valid JSON"),
  /** Valid JSON without a non-blank string {@code "name"} (or not an object at all). */
  MISSING_NAME("the tool call has no function name"),
  /** {@code "arguments"} is neither an object nor a JSON string holding an object. */
  ARGUMENTS_NOT_OBJECT("the tool call arguments are not a JSON object"),
  /** A well-formed call to a function the parser was not told about. */
  UNKNOWN_FUNCTION("the tool call names an unknown function"),
  /** The generation hit its token limit (finish reason "length") inside an open tool_call block. */
  CUT_BY_LENGTH("the tool call was cut off by the output length limit"),
  /** A tool_call body longer than {@link NanbeigeOutputParser#MAX_TOOL_CALL_BODY_CHARS}; it is discarded. */
  TOOL_CALL_TOO_LARGE("the tool call is too large"),
  /** The generation ended (stop or length) inside {@code <think>}: everything was reasoning, there is no answer. */
  UNCLOSED_THINK("the reasoning was never closed with </think>"),
  /** Reasoning beyond {@link NanbeigeOutputParser#MAX_REASONING_CHARS}; the rest is dropped. */
  REASONING_TOO_LONG("the reasoning is too long"),
  /** Content beyond {@link NanbeigeOutputParser#MAX_CONTENT_CHARS}; the rest is dropped. */
  CONTENT_TOO_LONG("the answer is too long");

  private final String summary;

  ParseErrorKind(String summary) {
    this.summary = summary;
  }

  /** A short lower-case phrase naming the problem, for the start of a tool error message. */
  public String summary() {
    return summary;
  }
}
