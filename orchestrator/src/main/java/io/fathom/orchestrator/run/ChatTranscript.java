package io.fathom.orchestrator.run;

import io.fathom.orchestrator.events.EventData;
import io.fathom.orchestrator.jobs.Sampling;
import io.fathom.orchestrator.model.Conversation;
import io.fathom.orchestrator.model.ModelClient;
import io.fathom.orchestrator.model.ModelReply;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import reactor.core.publisher.Mono;

/**
 * OpenAI chat messages, for servers that take no token prompts: the server renders the template
 * and parses tool calls itself. Tool results are capped by the tools themselves (characters).
 */
final class ChatTranscript implements Transcript {

  private final Conversation conversation;
  private final ModelClient model;
  private final Sampling sampling;
  private final UUID jobId;
  private final java.util.function.Consumer<EventData.ModelDelta> deltas;

  /** {@code deltas} null: no streaming. */
  ChatTranscript(
      Conversation conversation, ModelClient model, Sampling sampling, UUID jobId, java.util.function.Consumer<EventData.ModelDelta> deltas) {
    this.conversation = conversation;
    this.model = model;
    this.sampling = sampling;
    this.jobId = jobId;
    this.deltas = deltas;
  }

  @Override
  public Mono<Turn> generate(int round, long generatedLeft) {
    Sampling s = sampling;
    if (generatedLeft < Integer.MAX_VALUE && (s.maxTokens() == null || s.maxTokens() > generatedLeft)) {
      s = new Sampling(s.temperature(), s.topP(), (int) Math.max(1, generatedLeft));
    }
    Sampling effective = s;
    if (deltas == null) {
      return model.complete(jobId, m -> conversation.requestBody(m, effective)).map(reply -> toTurn(round, reply));
    }
    return Mono.defer(() -> {
      DeltaCoalescer coalescer = new DeltaCoalescer(round, deltas, System::nanoTime, DeltaCoalescer.INTERVAL_NANOS);
      return model.completeStreaming(jobId, m -> conversation.requestBody(m, effective, true), coalescer::text)
          .doOnSuccess(r -> coalescer.finish())
          .map(reply -> toTurn(round, reply));
    });
  }

  private static Turn toTurn(int round, ModelReply reply) {
    return new Turn(
        reply.content(), reply.reasoning(), normalise(round, reply.toolCalls()), reply.finishReason(),
        reply.usage().promptTokens(), reply.usage().completionTokens(), reply.durationMs(), reply.server(), null);
  }

  /** Gives every call an id unique within the round; keeps the model's ids when they are. */
  private static List<EventData.Call> normalise(int r, List<ToolCall> calls) {
    List<EventData.Call> out = new ArrayList<>(calls.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < calls.size(); i++) {
      ToolCall c = calls.get(i);
      String callId = c.id();
      if (callId == null || callId.isBlank() || !seen.add(callId)) {
        callId = "call_" + r + "_" + i;
        seen.add(callId);
      }
      String name = c.function() == null || c.function().name() == null ? "" : c.function().name();
      String args = c.function() == null || c.function().arguments() == null ? "" : c.function().arguments();
      out.add(new EventData.Call(callId, name, args));
    }
    return out;
  }

  @Override
  public void addTurn(int round, Turn turn) {
    List<ToolCall> calls = turn.calls().stream().map(c -> ToolCall.function(c.id(), c.name(), c.arguments())).toList();
    conversation.add(ChatMessage.assistant(turn.content() == null ? "" : turn.content(), calls));
  }

  @Override
  public Optional<EventData.ContextCompacted> addResults(
      int round, List<EventData.Call> calls, List<EventData.ToolCompleted> results) {
    for (EventData.ToolCompleted t : results) {
      conversation.add(ChatMessage.tool(t.callId(), t.name(), t.shown()));
    }
    return Optional.empty();
  }

  @Override
  public String capResult(String text) {
    return text;
  }
}
