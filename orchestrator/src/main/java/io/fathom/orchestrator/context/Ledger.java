package io.fathom.orchestrator.context;

import io.fathom.protocol.chat.NanbeigeOutputParser;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import io.fathom.protocol.chat.ParsedTurn;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import io.fathom.protocol.template.NanbeigeChatRenderer;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A job's context as the exact token ids the model reads: the append-only truth that every round's request is
 * built from (DESIGN §3). Ordered {@link Segment}s: the {@link Segment.Prompt} (system turn with the tools
 * block, user task; rendered and encoded once), then per round an {@link Segment.Assistant} and, unless the
 * round ended the job, a {@link Segment.ToolResponses}. {@link #requestIds()} is the ledger plus the ids of
 * {@link NanbeigeChatRenderer#GENERATION_PROMPT}; a {@link ContextPolicy} may show some tool results as
 * placeholders, but the ledger itself never changes what it holds.
 *
 * <h2>Assistant turns are never re-rendered</h2>
 * The ids the model generated are the truth and are kept verbatim: re-rendering an assistant message through
 * the template would drift from them (a non-canonical tokenisation the model sampled, re-serialised tool-call
 * JSON, whitespace) and break the worker's cached prefix. In particular, the template shows an assistant turn
 * whose reasoning is <em>empty</em> as {@code <think>\n\n</think>\n\n…} only while it is the last message and
 * drops the empty think block once anything follows; the ledger keeps whatever the model wrote, so after such
 * a turn it no longer equals a fresh render of the same messages (and must not: the worker already holds the
 * generated ids).
 *
 * <h2>How a turn is closed</h2>
 * An assistant segment is {@code ids(GENERATION_PROMPT) ++ generated ++ close}. The template ends every turn
 * with {@code <|im_end|>\n}; the model generates the stop id {@code <|im_end|>} but not the {@code "\n"}. So
 * the close is the ids of that {@code "\n"} when the generated ids end with the stop id, and the stop id plus
 * those ids otherwise (a generation cut by its token limit, or stopped by a stop string): every turn in the
 * ledger ends with {@code <|im_end|>\n} like the template's. The {@code "\n"} is encoded as it occurs in the
 * template, right after the added token {@code <|im_end|>} — {@code encode("<|im_end|>\n")} minus its first
 * id — not on its own: with a Metaspace pre-tokenizer whose prepend scheme is "first", {@code "\n"} at the start
 * of a text would get a "▁" prepended that it does not get after a token. The stop id may only be the last
 * generated id; a turn cannot be closed twice.
 *
 * <h2>When concatenation equals a fresh encoding</h2>
 * Every segment starts with the added token {@code <|im_start|>} (as does the generation prompt). A Hugging Face
 * tokenizer first splits its input at added tokens and then normalises, pre-tokenises and BPE-merges each piece
 * between them on its own, so no merge crosses an added token, and no piece adjacent to the cut is at the start
 * of the input in either encoding. Hence {@code encode(a + b) == encode(a) ++ encode(b)} whenever {@code b}
 * starts with an added token (and no added token spans the cut, which for ChatML tokens means {@code a} does not
 * end inside one) — so the prompt, tool-response and generation-prompt ids concatenate exactly. The ledger then
 * equals {@code encode(render(messages, tools, true, false))} of the same conversation, id for id, exactly
 * when, in addition, (1) each generation is the canonical encoding of its text, (2) it starts with an added
 * token — normally {@code <think>} — so that the template's {@code "assistant\n"} and the generated text are
 * not merged into one piece, (3) its reasoning is non-empty (see above), and (4) the parsed message renders
 * back to the generated text (tool-call JSON written as the renderer writes it, a generation that ends with
 * {@code <|im_end|>}). When any of these fails the two differ, and the ledger is the one the worker has cached.
 *
 * <p>Not thread-safe: one job's loop appends to it. Segments and {@link TokenIds} are immutable.
 */
public final class Ledger {

  private final NanbeigeChatRenderer renderer;
  private final HfTokenizer tokenizer;
  private final LedgerPrompt prompt;
  private final Set<String> toolNames;
  private final int imStartId;
  private final int stopId;
  private final TokenIds generationPrompt;
  /** The ids of the "\n" after {@code <|im_end|>}. */
  private final TokenIds closeAfterStop;
  private final List<Segment> segments = new ArrayList<>();
  /** Derived, deterministic data, memoised per round: placeholder ids and parsed assistant messages. */
  private final Map<Integer, TokenIds> collapsedIds = new HashMap<>();
  private final Map<Integer, ParsedAssistant> parsed = new HashMap<>();
  private int size;

  private Ledger(NanbeigeChatRenderer renderer, HfTokenizer tokenizer, LedgerPrompt prompt) {
    this.renderer = Objects.requireNonNull(renderer, "renderer");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    Set<String> names = new LinkedHashSet<>();
    for (ToolSpec tool : prompt.tools()) {
      if (tool != null && tool.function() != null && tool.function().name() != null) {
        names.add(tool.function().name());
      }
    }
    this.toolNames = Set.copyOf(names);
    this.imStartId = addedTokenId(NanbeigeChatRenderer.IM_START);
    this.stopId = addedTokenId(NanbeigeChatRenderer.IM_END);
    this.generationPrompt = encode(NanbeigeChatRenderer.GENERATION_PROMPT);
    int[] endOfTurn = tokenizer.encode(NanbeigeChatRenderer.IM_END + "\n");
    if (endOfTurn.length < 2 || endOfTurn[0] != stopId) {
      throw new IllegalArgumentException("the tokenizer does not encode \"<|im_end|>\\n\" as <|im_end|> and a newline");
    }
    this.closeAfterStop = TokenIds.of(endOfTurn).slice(1, endOfTurn.length);
  }

  /**
   * A new ledger holding the job's prompt: the system turn ({@code systemPrompt}, or the template's default when
   * null) with the tools block, and the user task.
   *
   * @throws IllegalArgumentException if the tokenizer lacks the ChatML added tokens or a tool is malformed
   */
  public static Ledger start(
      NanbeigeChatRenderer renderer, HfTokenizer tokenizer, String systemPrompt, List<ToolSpec> tools, String task) {
    return start(renderer, tokenizer, new LedgerPrompt(systemPrompt, tools, task));
  }

  /** A new ledger holding the rendered and encoded {@code prompt}. */
  public static Ledger start(NanbeigeChatRenderer renderer, HfTokenizer tokenizer, LedgerPrompt prompt) {
    Ledger ledger = new Ledger(renderer, tokenizer, prompt);
    // The caller's system text and task are literal: ChatML markers in them stay text.
    List<String> contents = new ArrayList<>(2);
    if (prompt.systemPrompt() != null) {
      contents.add(prompt.systemPrompt());
    }
    contents.add(prompt.task());
    TokenIds ids =
        ledger.encodeLiteral(
            contents,
            marks -> {
              LedgerPrompt marked =
                  new LedgerPrompt(prompt.systemPrompt() == null ? null : marks.getFirst(), prompt.tools(), marks.getLast());
              return renderer.render(marked.messages(), marked.tools(), false, false);
            });
    ledger.add(new Segment.Prompt(ids));
    return ledger;
  }

  /**
   * Rebuilds a ledger, id for id, from its stored prompt ids and the deltas of its rounds, oldest first. The
   * stored ids are taken as they are (they are what the worker saw); they are checked for the structure the
   * ledger writes — turns that open with {@code <|im_start|>} and close with {@code <|im_end|>\n}, assistant
   * segments that open with this tokenizer's generation prompt, ids inside the vocabulary, rounds that grow —
   * which also catches a tokenizer other than the one the ledger was built with.
   *
   * @throws IllegalArgumentException naming the round and the problem
   */
  public static Ledger restore(
      NanbeigeChatRenderer renderer,
      HfTokenizer tokenizer,
      LedgerPrompt prompt,
      TokenIds promptIds,
      List<RoundDelta> deltas) {
    Objects.requireNonNull(promptIds, "promptIds");
    Objects.requireNonNull(deltas, "deltas");
    Ledger ledger = new Ledger(renderer, tokenizer, prompt);
    ledger.checkIds(promptIds, "the prompt");
    ledger.checkTurn(promptIds, TokenIds.of(ledger.imStartId), "the prompt");
    ledger.add(new Segment.Prompt(promptIds));
    for (RoundDelta delta : deltas) {
      Objects.requireNonNull(delta, "delta");
      String where = "round " + delta.round();
      ledger.checkNextRound(delta.round());
      TokenIds ids = delta.assistant();
      ledger.checkIds(ids, where + " assistant ids");
      ledger.checkTurn(ids, ledger.generationPrompt, where + " assistant ids");
      int to = ids.length() - ledger.closeAfterStop.length();
      if (to < ledger.generationPrompt.length() + 1) {
        throw new IllegalArgumentException(where + " assistant ids: too short for a turn");
      }
      ledger.checkNoInnerStop(ids, ledger.generationPrompt.length(), to - 1, where + " assistant ids");
      ledger.add(new Segment.Assistant(delta.round(), ids, ledger.generationPrompt.length(), to, delta.finishReason()));
      if (delta.hasToolResponses()) {
        ledger.checkIds(delta.toolResponses(), where + " tool-response ids");
        ledger.checkTurn(delta.toolResponses(), TokenIds.of(ledger.imStartId), where + " tool-response ids");
        ledger.add(new Segment.ToolResponses(delta.round(), delta.toolResponses(), delta.toolResults()));
      }
    }
    return ledger;
  }

  /**
   * Appends the assistant turn of {@code round}: the generation prompt, {@code generatedIds} verbatim, and the
   * close of the turn (see the class doc).
   *
   * @param round greater than every round already in the ledger
   * @param generatedIds the ids the model generated, the stop id included if it was generated
   * @param finishReason the worker's finish reason ("stop", "length", …)
   * @return the new segment
   * @throws IllegalArgumentException if the round does not grow, an id is outside the vocabulary, or the stop id
   *     occurs before the last generated id
   */
  public Segment.Assistant appendAssistant(int round, int[] generatedIds, String finishReason) {
    Objects.requireNonNull(generatedIds, "generatedIds");
    Objects.requireNonNull(finishReason, "finishReason");
    checkNextRound(round);
    TokenIds generated = TokenIds.of(generatedIds);
    String where = "round " + round + " generated ids";
    checkIds(generated, where);
    boolean stopped = !generated.isEmpty() && generated.last() == stopId;
    checkNoInnerStop(generated, 0, stopped ? generated.length() - 1 : generated.length(), where);
    TokenIds ids =
        stopped
            ? TokenIds.concat(generationPrompt, generated, closeAfterStop)
            : TokenIds.concat(generationPrompt, generated, TokenIds.of(stopId), closeAfterStop);
    Segment.Assistant segment =
        new Segment.Assistant(round, ids, generationPrompt.length(), ids.length() - closeAfterStop.length(), finishReason);
    add(segment);
    return segment;
  }

  /**
   * Appends the tool results of {@code round}, in call order, as one user turn of {@code <tool_response>}
   * blocks rendered by the template and encoded. The texts are taken as they are: truncate them
   * ({@link ToolResultCap}) and add notes ({@link StuckDetector}) before.
   *
   * @param round the round of the last segment, which must be its assistant turn
   * @return the new segment
   */
  public Segment.ToolResponses appendToolResponses(int round, List<String> results) {
    Objects.requireNonNull(results, "results");
    if (segments.getLast() instanceof Segment.Assistant last && last.round() == round) {
      Segment.ToolResponses segment = new Segment.ToolResponses(round, renderToolResponses(results), results);
      add(segment);
      return segment;
    }
    throw new IllegalStateException(
        "tool results of round " + round + " must follow the assistant turn of that round; the ledger ends with "
            + segments.getLast().kind() + " of round " + segments.getLast().round());
  }

  /** The ledger's ids followed by the generation prompt: what to send for the next round with no policy. */
  public int[] requestIds() {
    int[] out = new int[size + generationPrompt.length()];
    int at = 0;
    for (Segment segment : segments) {
      at = segment.ids().copyInto(out, at);
    }
    generationPrompt.copyInto(out, at);
    return out;
  }

  /** The ledger's size in tokens (without the generation prompt). */
  public int size() {
    return size;
  }

  /** The size of {@link #requestIds()}. */
  public int requestSize() {
    return size + generationPrompt.length();
  }

  /** A snapshot of the segments, oldest first. */
  public List<Segment> segments() {
    return List.copyOf(segments);
  }

  public int segmentCount() {
    return segments.size();
  }

  public Segment segment(int index) {
    return segments.get(index);
  }

  /** The prompt's ids, to store once per job ({@link LedgerCodec#encodeIds}). */
  public TokenIds promptIds() {
    return segments.getFirst().ids();
  }

  /** The largest round in the ledger; 0 when it holds only the prompt. */
  public int lastRound() {
    return segments.getLast().round();
  }

  /**
   * What {@code round} added, to store with the round's checkpoint.
   *
   * @throws IllegalArgumentException if the ledger has no assistant turn for the round
   */
  public RoundDelta delta(int round) {
    for (int i = segments.size() - 1; i >= 1; i--) {
      if (segments.get(i) instanceof Segment.Assistant a && a.round() == round) {
        if (i + 1 < segments.size() && segments.get(i + 1) instanceof Segment.ToolResponses t) {
          return new RoundDelta(round, a.ids(), a.finishReason(), t.ids(), t.results());
        }
        return new RoundDelta(round, a.ids(), a.finishReason(), TokenIds.EMPTY, List.of());
      }
    }
    throw new IllegalArgumentException("the ledger has no round " + round);
  }

  /** The ids of {@link NanbeigeChatRenderer#GENERATION_PROMPT}. */
  public TokenIds generationPromptIds() {
    return generationPrompt;
  }

  /** The id of {@code <|im_end|>}, the stop token. */
  public int stopId() {
    return stopId;
  }

  public LedgerPrompt prompt() {
    return prompt;
  }

  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  /** The placeholder a policy shows instead of a collapsed tool result of {@code round}. */
  public static String omittedResultText(int round) {
    return "[tool result of round " + round + " omitted]";
  }

  /**
   * The ids a policy shows for a collapsed tool-response segment: the same turn with every result replaced by
   * {@link #omittedResultText}, or the segment itself when that would not be shorter.
   */
  public TokenIds collapsedIds(Segment.ToolResponses segment) {
    return collapsedIds.computeIfAbsent(
        segment.round(),
        round -> {
          TokenIds placeholder = renderToolResponses(placeholders(segment));
          return placeholder.length() < segment.length() ? placeholder : segment.ids();
        });
  }

  /** The conversation as chat messages, every tool result shown: see {@link #messages(CollapseState)}. */
  public List<ChatMessage> messages() {
    return messages(CollapseState.NONE, segments.size());
  }

  /**
   * The same conversation as chat messages, for OpenAI-compatible servers that take messages rather than token
   * ids (tools go in the request's {@code tools}). The system message is present only if the caller gave one.
   * Each assistant turn is decoded from its generated ids and parsed ({@link NanbeigeOutputParser}) into
   * reasoning, content and tool calls with ids {@code call_<round>_<index>}. When a round has one result per
   * parsed call, the results are {@code tool} messages answering those ids; otherwise (a malformed call that
   * was answered with an error) they are sent as one user message of {@code <tool_response>} blocks, which the
   * template treats like tool messages, so that strict servers do not reject unmatched tool-call ids.
   * Collapsed results are shown as {@link #omittedResultText} when that is shorter, as in the id view.
   */
  public List<ChatMessage> messages(CollapseState state) {
    return messages(state, segments.size());
  }

  List<ChatMessage> messages(CollapseState state, int segmentCount) {
    List<ChatMessage> out = new ArrayList<>(prompt.messages());
    List<ToolCall> calls = List.of();
    for (int i = 1; i < segmentCount; i++) {
      switch (segments.get(i)) {
        case Segment.Assistant a -> {
          ParsedAssistant p = parsed.computeIfAbsent(a.round(), round -> parse(a));
          out.add(p.message());
          calls = p.calls();
        }
        case Segment.ToolResponses t -> {
          boolean collapsed = state.collapses(t.round()) && !collapsedIds(t).equals(t.ids());
          List<String> contents = collapsed ? placeholders(t) : t.results();
          if (calls.size() == contents.size()) {
            for (int j = 0; j < contents.size(); j++) {
              ToolCall call = calls.get(j);
              out.add(ChatMessage.tool(call.id(), call.function().name(), contents.get(j)));
            }
          } else {
            StringBuilder sb = new StringBuilder();
            for (String content : contents) {
              sb.append(sb.isEmpty() ? "" : "\n").append("<tool_response>\n").append(content).append("\n</tool_response>");
            }
            out.add(ChatMessage.user(sb.toString()));
          }
        }
        case Segment.Prompt p -> throw new IllegalStateException("a second prompt segment at " + i);
      }
    }
    return out;
  }

  private record ParsedAssistant(ChatMessage message, List<ToolCall> calls) {}

  private ParsedAssistant parse(Segment.Assistant a) {
    String text = tokenizer.decode(a.generated().toArray(), true);
    ParsedTurn turn = NanbeigeOutputParser.parseAll(text, a.finishReason(), toolNames);
    List<ToolCall> calls = new ArrayList<>(turn.toolCalls().size());
    for (ToolCallParsed call : turn.toolCalls()) {
      calls.add(ToolCall.function("call_" + a.round() + "_" + call.index(), call.name(), call.argumentsJson()));
    }
    ChatMessage message =
        new ChatMessage(
            "assistant",
            turn.content(),
            turn.reasoning().isEmpty() ? null : turn.reasoning(),
            calls.isEmpty() ? null : List.copyOf(calls),
            null,
            null);
    return new ParsedAssistant(message, List.copyOf(calls));
  }

  private static List<String> placeholders(Segment.ToolResponses segment) {
    return segment.results().stream().map(r -> omittedResultText(segment.round())).toList();
  }

  /** The results are literal: a tool result (a web page, a file) cannot open or close a turn. */
  private TokenIds renderToolResponses(List<String> results) {
    for (int i = 0; i < results.size(); i++) {
      Objects.requireNonNull(results.get(i), "results[" + i + "]");
    }
    return encodeLiteral(
        results,
        marks -> renderer.renderToolResponses(marks.stream().map(m -> ChatMessage.tool(null, null, m)).toList()));
  }

  /**
   * Renders with a unique mark in place of each of {@code contents}, puts the contents in, and encodes with
   * their spans literal ({@link HfTokenizer#encode(String, int[])}): the template's own markers are tokens,
   * any marker text inside the contents is plain text.
   */
  private TokenIds encodeLiteral(List<String> contents, java.util.function.Function<List<String>, String> render) {
    for (char base = '\uE000'; base < '\uE100'; base += 2) {
      List<String> marks = new ArrayList<>(contents.size());
      for (int i = 0; i < contents.size(); i++) {
        marks.add(base + Integer.toString(i) + (char) (base + 1));
      }
      String rendered = render.apply(marks);
      StringBuilder text = new StringBuilder(rendered.length() + contents.stream().mapToInt(String::length).sum());
      int[] bounds = new int[2 * contents.size()];
      int from = 0;
      boolean unique = true;
      for (int i = 0; i < contents.size() && unique; i++) {
        int at = rendered.indexOf(marks.get(i), from);
        unique = at >= 0 && rendered.indexOf(marks.get(i), at + 1) < 0;
        if (unique) {
          text.append(rendered, from, at);
          bounds[2 * i] = text.length();
          text.append(contents.get(i));
          bounds[2 * i + 1] = text.length();
          from = at + marks.get(i).length();
        }
      }
      if (unique) {
        text.append(rendered, from, rendered.length());
        return TokenIds.wrap(tokenizer.encode(text.toString(), bounds));
      }
      // A mark collided with template text (a tool description holding it): try other characters.
    }
    throw new IllegalStateException("no private-use mark pair is free in the rendered text");
  }

  private void add(Segment segment) {
    segments.add(segment);
    size += segment.length();
  }

  private TokenIds encode(String text) {
    return TokenIds.wrap(tokenizer.encode(text));
  }

  private int addedTokenId(String token) {
    OptionalInt id = tokenizer.tokenToId(token);
    int[] encoded = tokenizer.encode(token);
    if (id.isEmpty() || encoded.length != 1 || encoded[0] != id.getAsInt()) {
      throw new IllegalArgumentException("the tokenizer has no added token " + token + "; it is not a ChatML tokenizer");
    }
    return id.getAsInt();
  }

  private void checkNextRound(int round) {
    if (round < 1 || round <= lastRound()) {
      throw new IllegalArgumentException(
          "round " + round + " cannot follow round " + lastRound() + ": rounds start at 1 and grow");
    }
  }

  private void checkIds(TokenIds ids, String where) {
    int vocab = tokenizer.vocabSize();
    for (int i = 0; i < ids.length(); i++) {
      int id = ids.get(i);
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(where + ": id " + id + " at index " + i + " is outside the vocabulary 0.." + (vocab - 1));
      }
    }
  }

  /** The ids open with {@code opening} and end with {@code <|im_end|>\n}. */
  private void checkTurn(TokenIds ids, TokenIds opening, String where) {
    if (!ids.startsWith(opening)) {
      throw new IllegalArgumentException(where + " do not start with " + opening + " (a different tokenizer?)");
    }
    TokenIds end = TokenIds.concat(TokenIds.of(stopId), closeAfterStop);
    if (!ids.endsWith(end) || ids.length() < opening.length() + end.length()) {
      throw new IllegalArgumentException(where + " do not end with <|im_end|>\\n " + end + " (a different tokenizer?)");
    }
  }

  private void checkNoInnerStop(TokenIds ids, int from, int to, String where) {
    for (int i = from; i < to; i++) {
      if (ids.get(i) == stopId) {
        throw new IllegalArgumentException(
            where + ": the stop id " + stopId + " (<|im_end|>) at index " + i + " is not the last generated id");
      }
    }
  }
}
