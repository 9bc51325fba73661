package io.fathom.orchestrator.run;

import io.fathom.orchestrator.context.CollapseState;
import io.fathom.orchestrator.context.ContextPolicy;
import io.fathom.orchestrator.context.ContextView;
import io.fathom.orchestrator.context.Ledger;
import io.fathom.orchestrator.context.ToolResultCap;
import io.fathom.orchestrator.events.EventData;
import io.fathom.orchestrator.jobs.JobSpec;
import io.fathom.orchestrator.model.ContextFullException;
import io.fathom.orchestrator.model.ModelClient;
import io.fathom.orchestrator.model.ModelInfo;
import io.fathom.orchestrator.model.TokenReply;
import io.fathom.protocol.chat.NanbeigeOutputParser;
import io.fathom.protocol.chat.ParseEvent;
import io.fathom.protocol.chat.ParsedTurn;
import io.fathom.protocol.template.NanbeigeChatRenderer;
import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.protocol.openai.ToolSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The token-exact ledger ({@link Ledger}) sent as token ids to a server that takes token prompts
 * ({@code /completions}, {@code session_id} = the job, {@code return_token_ids}). Each round
 * appends the ids the model generated, exactly, and the encoded tool-response turn; the job's
 * context policy decides what part of the ledger is sent. The generated text is parsed here
 * (reasoning, content, {@code <tool_call>} blocks); every quirk becomes a call that carries its
 * parse error, answered to the model as a tool error.
 */
final class LedgerTranscript implements Transcript {

  private final Ledger ledger;
  private final ContextPolicy policy;
  private final ToolResultCap cap;
  private final JobSpec spec;
  private final ModelClient model;
  private final JsonMapper json;
  private final UUID jobId;
  private final Set<String> toolNames;
  private final java.util.function.Consumer<EventData.ModelDelta> deltas;
  private CollapseState state = CollapseState.NONE;
  private ContextView view;
  /** The ids of the last request and their JSON ("1,2,3"), extended in place while the prompt only grows. */
  private int[] sentIds = new int[0];
  private byte[] idsJson = new byte[4096];
  private int idsJsonLength;

  LedgerTranscript(
      HfTokenizer tokenizer, List<ToolSpec> tools, JobSpec spec, int toolResultTokens, ModelClient model, JsonMapper json,
      UUID jobId, java.util.function.Consumer<EventData.ModelDelta> deltas) {
    this.deltas = deltas;
    this.ledger = Ledger.start(new NanbeigeChatRenderer(), tokenizer, spec.system(), tools, spec.task());
    this.policy = ContextPolicy.parse(spec.contextPolicySpec());
    this.cap = new ToolResultCap(tokenizer, spec.maxToolResultTokens() == null ? toolResultTokens : spec.maxToolResultTokens());
    this.spec = spec;
    this.model = model;
    this.json = json;
    this.jobId = jobId;
    this.toolNames = Set.copyOf(tools.stream().map(t -> t.function().name()).toList());
    this.view = policy.apply(ledger, state);
  }

  @Override
  public Mono<Turn> generate(int round, long generatedLeft) {
    int prompt = view.tokens();
    int room = spec.contextTokens() - prompt;
    if (room <= 0) {
      return Mono.error(new ContextFullException(
          "the context holds " + prompt + " tokens, the job's max_context_tokens is " + spec.contextTokens()
              + " (context policy " + policy.spec() + ")"));
    }
    long maxTokens = Math.min(room, generatedLeft);
    if (spec.sampling().maxTokens() != null) {
      maxTokens = Math.min(maxTokens, spec.sampling().maxTokens());
    }
    int[] ids = view.requestIds().toArray();
    long max = maxTokens;
    if (!spec.deltas()) {
      return model.completeTokens(jobId, m -> body(m, ids, max, false)).map(reply -> toTurn(round, reply));
    }
    // Streamed: reasoning and content go out as model.delta events, at most ~10 a second.
    return Mono.defer(() -> {
      DeltaCoalescer coalescer = new DeltaCoalescer(round, deltas, System::nanoTime, DeltaCoalescer.INTERVAL_NANOS);
      return model.completeTokensStreaming(jobId, m -> body(m, ids, max, true), coalescer.tokens(ledger.tokenizer(), toolNames))
          .doOnSuccess(r -> coalescer.finish())
          .map(reply -> toTurn(round, reply));
    });
  }

  /**
   * The request body. The prompt's JSON is kept from round to round and only its new ids are
   * written while the prompt grows by appends (always, but at a compaction or under keep_last_k),
   * so a round's cost does not grow with the job's length beyond a byte copy.
   */
  private synchronized byte[] body(ModelInfo info, int[] ids, long maxTokens, boolean stream) {
    if (info.maxModelLen() != null) {
      int room = info.maxModelLen() - ids.length;
      if (room <= 0) {
        throw new ContextFullException(
            "the context holds " + ids.length + " tokens; the model server's context is " + info.maxModelLen() + " (context policy "
                + policy.spec() + ")");
      }
      maxTokens = Math.min(maxTokens, room);
    }
    int from = 0;
    if (ids.length >= sentIds.length && Arrays.equals(ids, 0, sentIds.length, sentIds, 0, sentIds.length)) {
      from = sentIds.length;
    } else {
      idsJsonLength = 0;
    }
    StringBuilder tail = new StringBuilder((ids.length - from) * 7);
    for (int i = from; i < ids.length; i++) {
      tail.append(i == 0 ? "" : ",").append(ids[i]);
    }
    byte[] tailBytes = tail.toString().getBytes(StandardCharsets.US_ASCII);
    if (idsJsonLength + tailBytes.length > idsJson.length) {
      idsJson = Arrays.copyOf(idsJson, Math.max(idsJson.length * 2, idsJsonLength + tailBytes.length));
    }
    System.arraycopy(tailBytes, 0, idsJson, idsJsonLength, tailBytes.length);
    idsJsonLength += tailBytes.length;
    sentIds = ids;
    StringBuilder b = new StringBuilder(256);
    b.append("],\"max_tokens\":").append(maxTokens);
    if (spec.sampling().temperature() != null) {
      b.append(",\"temperature\":").append(spec.sampling().temperature());
    }
    if (spec.sampling().topP() != null) {
      b.append(",\"top_p\":").append(spec.sampling().topP());
    }
    b.append(",\"stop_token_ids\":[").append(ledger.stopId()).append(']');
    b.append(",\"session_id\":\"").append(jobId).append('"');
    b.append(",\"return_token_ids\":true,\"skip_special_tokens\":false");
    b.append(stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}" : ",\"stream\":false}");
    byte[] head = ("{\"model\":" + json.writeValueAsString(info.name()) + ",\"prompt\":[").getBytes(StandardCharsets.UTF_8);
    byte[] rest = b.toString().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + idsJsonLength + rest.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(idsJson, 0, out, head.length, idsJsonLength);
    System.arraycopy(rest, 0, out, head.length + idsJsonLength, rest.length);
    return out;
  }

  private Turn toTurn(int round, TokenReply reply) {
    int vocab = ledger.tokenizer().vocabSize();
    for (int id : reply.tokenIds()) {
      if (id >= vocab) {
        throw new IllegalStateException(reply.server() + " generated token id " + id + ", outside the vocabulary of " + vocab);
      }
    }
    String text = ledger.tokenizer().decode(reply.tokenIds(), true);
    ParsedTurn parsed = NanbeigeOutputParser.parseAll(text, reply.finishReason(), toolNames);
    List<EventData.Call> calls = new ArrayList<>();
    for (ParseEvent.ToolCallParsed c : parsed.toolCalls()) {
      calls.add(new EventData.Call("call_" + round + "_" + calls.size(), c.name(), c.argumentsJson()));
    }
    for (ParseEvent.ParseError e : parsed.errors()) {
      calls.add(new EventData.Call(
          "call_" + round + "_" + calls.size(), "", e.raw(), e.kind().name().toLowerCase(Locale.ROOT),
          e.kind().summary() + ". " + e.detail()));
    }
    return new Turn(
        parsed.content(), parsed.reasoning().isEmpty() ? null : parsed.reasoning(), calls, reply.finishReason(),
        reply.usage().promptTokens(), reply.usage().completionTokens(), reply.durationMs(), reply.server(),
        reply.tokenIds());
  }

  @Override
  public void addTurn(int round, Turn turn) {
    if (turn.tokenIds() == null) {
      throw new IllegalStateException("round " + round + " was stored without token ids (a chat-prompt job); it cannot continue on token prompts");
    }
    ledger.appendAssistant(round, turn.tokenIds(), turn.finishReason() == null ? "stop" : turn.finishReason());
  }

  @Override
  public Optional<EventData.ContextCompacted> addResults(
      int round, List<EventData.Call> calls, List<EventData.ToolCompleted> results) {
    ledger.appendToolResponses(round, results.stream().map(EventData.ToolCompleted::shown).toList());
    view = policy.apply(ledger, state);
    state = view.state();
    return view.compaction()
        .map(c -> new EventData.ContextCompacted(round, c.tokensBefore(), c.tokensAfter(), c.firstRound(), c.lastRound(), c.roundsCollapsed()));
  }

  @Override
  public String capResult(String text) {
    return cap.apply(text).text();
  }

}
