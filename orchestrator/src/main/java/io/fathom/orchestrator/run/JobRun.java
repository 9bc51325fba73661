package io.fathom.orchestrator.run;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.repos.RepositoryNotFoundException;
import io.fathom.orchestrator.context.StuckDetector;
import io.fathom.orchestrator.events.EventData;
import io.fathom.orchestrator.events.EventType;
import io.fathom.orchestrator.events.JobEvent;
import io.fathom.orchestrator.events.NewEvent;
import io.fathom.orchestrator.jobs.CommitResult;
import io.fathom.orchestrator.jobs.Fence;
import io.fathom.orchestrator.jobs.Job;
import io.fathom.orchestrator.jobs.JobChange;
import io.fathom.orchestrator.jobs.JobError;
import io.fathom.orchestrator.jobs.JobStatus;
import io.fathom.orchestrator.model.ContextFullException;
import io.fathom.orchestrator.model.Conversation;
import io.fathom.orchestrator.model.ModelUnavailableException;
import io.fathom.orchestrator.tools.JobTool;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolSpec;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import io.fathom.tools.functions.FunctionDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One replica's run of one job, from its last committed round to its end: rebuild the
 * conversation from the stored events, then rounds of model call → tool calls → checkpoint until
 * the model answers without a tool call, the budget runs out, or the job is cancelled. Every step
 * is committed (fenced by the lease) before the next one starts, so another replica can take
 * over at any point.
 */
final class JobRun {

  private static final Logger log = LoggerFactory.getLogger(JobRun.class);

  private final UUID id;
  private final String owner;
  private final boolean resumed;
  private final RunContext ctx;
  private final Fence fence;

  private Job job;
  private Transcript transcript;
  private StuckDetector stuck;
  /** Set when the model repeated itself past the limit: the job ends after the round. */
  private volatile StuckDetector.Verdict.Stop stopVerdict;
  /** A compaction the round's results caused, committed with the round's end. */
  private EventData.ContextCompacted compaction;
  private Map<String, JobTool> tools;
  private int done;
  private long promptTokens;
  private long completionTokens;
  private boolean finished;
  private Pending pending;
  private long modelNanos;
  /** The round whose round.started has been sent with a commit. */
  private int announced;
  /** A round's closing commit, running while the next model call is made. */
  private volatile Mono<Void> inFlight = Mono.empty();
  /** The result of a round's last call, committed with the round's end. */
  private volatile EventData.ToolCompleted lastCompletion;
  private volatile long toolNanos;

  /** A round whose model output is stored but whose tool calls are not all done. */
  private record Pending(int round, List<EventData.Call> calls, Map<Integer, EventData.ToolCompleted> results, long startNanos) {}

  JobRun(UUID id, String owner, boolean resumed, RunContext ctx) {
    this.id = id;
    this.owner = owner;
    this.resumed = resumed;
    this.ctx = ctx;
    this.fence = new Fence.Lease(owner);
  }

  /** Runs to the job's end; completes quietly when the lease is lost. */
  Mono<Void> execute() {
    return Mono.zip(ctx.jobs().get(id), ctx.jobs().toolDefinitions(id))
        .flatMap(
            t ->
                load(t.getT1(), t.getT2())
                    .then(Mono.defer(this::announce))
                    .then(Mono.defer(this::finishPending))
                    .then(Mono.defer(this::round).repeat(() -> !finished).then())
                    .transform(this::withDeadline))
        .onErrorResume(this::onError)
        .doFinally(s -> { // this replica is done with it: forget its server, drop its sandbox
          ctx.model().release(id);
          ctx.tools().release(id);
        });
  }

  private Mono<Void> withDeadline(Mono<Void> body) {
    if (job.spec().deadlineSeconds() == null) {
      return body;
    }
    Duration left = Duration.between(Instant.now(), job.createdAt().plusSeconds(job.spec().deadlineSeconds()));
    return body.timeout(left.isNegative() ? Duration.ZERO : left);
  }

  /** Commits the job as cancelled (its runner was told to stop). */
  Mono<Void> cancelled() {
    return terminal(JobChange.cancelled(), new EventData.JobCancelled("cancelled by request", done));
  }

  private Mono<Void> onError(Throwable e) {
    return switch (e) {
      case LeaseLost l -> {
        log.info("Job {}: lease lost ({}); stopping here", id, l.getMessage());
        yield Mono.empty();
      }
      case CancelRequested c -> cancelled();
      case ModelUnavailableException m -> fail(new JobError(m.code(), m.getMessage()));
      case ContextFullException c -> fail(new JobError("context_exhausted", c.getMessage()));
      case RepositoryNotFoundException r -> fail(new JobError("repository_not_found", r.getMessage()));
      case TimeoutException t ->
          fail(new JobError("deadline_exceeded", "the job ran past its deadline of " + job.spec().deadlineSeconds() + " s"));
      default -> {
        log.error("Job {} failed unexpectedly", id, e);
        yield fail(new JobError("internal_error", "the orchestrator failed: " + e));
      }
    };
  }

  private Mono<Void> load(Job loaded, List<FunctionDefinition> definitions) {
    this.job = loaded;
    this.done = loaded.rounds();
    this.promptTokens = loaded.usage().promptTokens();
    this.completionTokens = loaded.usage().completionTokens();
    this.tools = ctx.tools().forJob(loaded.tenant(), loaded.spec().tools(), definitions);
    List<ToolSpec> specs =
        tools.values().stream()
            .map(t -> ToolSpec.function(t.tool().name(), t.tool().description(), t.tool().parameters()))
            .toList();
    FathomProperties.Agent agent = ctx.properties().agent();
    this.stuck = new StuckDetector(agent.stuckRepeats(), agent.stuckErrors());
    Mono<List<JobEvent>> stored =
        resumed
            ? ctx.events().ofTypes(id, List.of(EventType.MODEL_COMPLETED, EventType.TOOL_COMPLETED)).collectList()
            : Mono.just(List.of());
    Mono<Void> workspace =
        loaded.spec().repository() == null
            ? Mono.empty()
            : ctx.tools().assignRepository(id, loaded.tenant(), loaded.spec().repository());
    // Building the ledger and replaying it tokenizes the conversation: not on an event loop.
    return workspace.then(Mono.zip(stored, ctx.tokenizers().tokenizer()))
        .publishOn(Schedulers.boundedElastic())
        .doOnNext(t -> {
          List<JobEvent> events = t.getT1();
          // A job that began on chat prompts goes on with them (its turns have no token ids).
          boolean chatHistory =
              events.stream()
                  .filter(e -> e.type() == EventType.MODEL_COMPLETED)
                  .findFirst()
                  .map(e -> ctx.json().readValue(e.json(), EventData.ModelCompleted.class).tokenIds() == null)
                  .orElse(false);
          this.transcript =
              t.getT2().isPresent() && !chatHistory
                  ? new LedgerTranscript(
                      t.getT2().get(), specs, loaded.spec(), agent.toolResultTokens(), ctx.model(), ctx.json(), id,
                      this::publishDelta)
                  : chatTranscript(loaded, specs);
          events.forEach(this::replay);
          endReplay();
        })
        .then();
  }

  private void publishDelta(EventData.ModelDelta delta) {
    ctx.notifications().publishDelta(id, ctx.json().writeValueAsString(delta));
  }

  private ChatTranscript chatTranscript(Job loaded, List<ToolSpec> specs) {
    Conversation conversation = new Conversation(ctx.json(), specs);
    if (loaded.spec().system() != null) {
      conversation.add(ChatMessage.system(loaded.spec().system()));
    }
    conversation.add(ChatMessage.user(loaded.spec().task()));
    return new ChatTranscript(conversation, ctx.model(), loaded.spec().sampling(), id, loaded.spec().deltas() ? this::publishDelta : null);
  }

  private void replay(JobEvent event) {
    if (event.type() == EventType.MODEL_COMPLETED) {
      endReplay();
      EventData.ModelCompleted m = ctx.json().readValue(event.json(), EventData.ModelCompleted.class);
      Turn turn = Turn.stored(m);
      transcript.addTurn(m.round(), turn);
      pending = new Pending(m.round(), turn.calls(), new TreeMap<>(), System.nanoTime());
    } else if (pending != null) {
      EventData.ToolCompleted t = ctx.json().readValue(event.json(), EventData.ToolCompleted.class);
      pending.results().put(t.index(), t);
    }
  }

  /** Adds a replayed round's tool results when the round was finished. */
  private void endReplay() {
    if (pending != null && pending.round() <= done) {
      addToolMessages(pending.round(), pending.calls(), pending.results(), true);
      pending = null;
    }
  }

  private Mono<Void> announce() {
    if (job.status().isTerminal()) {
      finished = true;
      return Mono.empty();
    }
    List<EventData> events = new ArrayList<>();
    events.add(resumed ? new EventData.JobResumed(owner, done) : new EventData.JobStarted(owner));
    if (pending == null) {
      announceRound(done + 1, events);
    }
    return commit(JobChange.NONE, events);
  }

  /**
   * Adds round.started for {@code next} when the budget allows it, committed with what precedes it
   * (if that commit fails, the run stops, so the round counts as announced from here on).
   */
  private void announceRound(int next, List<EventData> events) {
    if (next <= job.spec().maxRounds()) {
      events.add(new EventData.RoundStarted(next));
      announced = next;
    }
  }

  private Mono<Void> finishPending() {
    if (pending == null || finished) {
      return Mono.empty();
    }
    Pending p = pending;
    pending = null;
    modelNanos = -1;
    return runCalls(p.round(), p.calls(), p.results(), true, Map.of())
        .then(Mono.defer(() -> roundDone(p.round(), 0, 0, 0, p.calls().size(), p.startNanos(), 0)));
  }

  private Mono<Void> round() {
    int r = done + 1;
    if (r > job.spec().maxRounds()) {
      return fail(new JobError("max_rounds", "the model did not answer within max_rounds = " + job.spec().maxRounds()));
    }
    if (stopVerdict != null) {
      return fail(new JobError("stuck", stopVerdict.reason()));
    }
    Long maxGenerated = job.spec().maxGeneratedTokens();
    if (maxGenerated != null && completionTokens >= maxGenerated) {
      return fail(new JobError("generated_tokens_exhausted",
          "the model generated " + completionTokens + " tokens; the job's max_generated_tokens is " + maxGenerated));
    }
    long generatedLeft = maxGenerated == null ? Long.MAX_VALUE : maxGenerated - completionTokens;
    long start = System.nanoTime();
    toolNanos = 0;
    Mono<Void> started = announced == r ? Mono.empty() : commit(JobChange.NONE, List.of(new EventData.RoundStarted(r)));
    Mono<Turn> model =
        Mono.defer(() -> {
          long modelStart = System.nanoTime();
          return transcript.generate(r, generatedLeft).doOnSuccess(turn -> modelNanos = System.nanoTime() - modelStart);
        });
    // The previous round's closing commit runs alongside this model call; the model's answer is
    // committed only after it (write() waits for it), and its failure cancels the call.
    Mono<Boolean> previous = takeInFlight().thenReturn(Boolean.TRUE);
    return started
        .then(Mono.zip(previous, model, (ok, reply) -> reply))
        .flatMap(reply -> onReply(r, reply, start));
  }

  private Mono<Void> onReply(int r, Turn reply, long start) {
    List<EventData.Call> calls = reply.calls();
    EventData.Usage usage = new EventData.Usage(reply.promptTokens(), reply.completionTokens());
    EventData.ModelCompleted model =
        new EventData.ModelCompleted(
            r, reply.content(), reply.reasoning(), calls.isEmpty() ? null : calls, reply.finishReason(), usage,
            reply.durationMs(), reply.server(), reply.tokenIds());
    long prompt = reply.promptTokens();
    long completion = reply.completionTokens();
    if (reply.isAnswer()) {
      promptTokens += prompt;
      completionTokens += completion;
      JobChange.RoundCost cost = new JobChange.RoundCost(r, prompt, completion, 0, reply.durationMs(), 0);
      JobChange change =
          new JobChange(
              JobStatus.COMPLETED, r, prompt, completion, reply.content(), null, cost);
      List<EventData> events =
          List.of(
              model,
              new EventData.RoundCompleted(r, (System.nanoTime() - start) / 1_000_000),
              new EventData.JobCompleted(reply.content(), r, new EventData.Usage(promptTokens, completionTokens)));
      finished = true;
      return write(change, events).then(Mono.fromRunnable(() -> ctx.metrics().roundDone(r, System.nanoTime() - start - modelNanos)));
    }
    List<EventData> events = new ArrayList<>();
    events.add(model);
    for (int i = 0; i < calls.size(); i++) {
      EventData.Call c = calls.get(i);
      events.add(new EventData.ToolCalled(r, i, c.id(), c.name(), c.arguments()));
    }
    promptTokens += prompt;
    completionTokens += completion;
    long toolsStart = System.nanoTime();
    // Idempotent calls start now, while the round's record is committed; the others wait for the
    // commit (a call with side effects must be on record before it runs). Results are committed
    // after the record either way.
    Map<Integer, Mono<ToolResult>> early = new TreeMap<>();
    Disposable.Composite running = startIdempotentCalls(calls, early);
    return commit(JobChange.usage(prompt, completion), events)
        .then(Mono.fromRunnable(() -> transcript.addTurn(r, reply)))
        .then(Mono.defer(() -> runCalls(r, calls, new TreeMap<>(), false, early)))
        .doFinally(signal -> running.dispose()) // a no-op unless the round ended early
        .then(Mono.defer(() -> roundDone(r, prompt, completion, reply.durationMs(), calls.size(), start, (System.nanoTime() - toolsStart) / 1_000_000)));
  }

  private Mono<Void> roundDone(int r, long prompt, long completion, long modelMs, int calls, long start, long toolsMs) {
    JobChange.RoundCost cost = new JobChange.RoundCost(r, prompt, completion, calls, modelMs, toolsMs);
    List<EventData> events = new ArrayList<>();
    if (lastCompletion != null) {
      events.add(lastCompletion);
      lastCompletion = null;
    }
    if (compaction != null) {
      events.add(compaction);
      compaction = null;
    }
    events.add(new EventData.RoundCompleted(r, (System.nanoTime() - start) / 1_000_000));
    if (stopVerdict == null) {
      announceRound(r + 1, events);
    }
    Mono<Void> closing = commit(JobChange.roundDone(cost), events).cache();
    // Start the closing commit now and let the next model call run alongside it.
    closing.subscribe(null, e -> {});
    inFlight = closing;
    done = r;
    if (modelNanos >= 0) { // not a round resumed after a crash
      ctx.metrics().roundDone(r, System.nanoTime() - start - modelNanos - toolNanos);
    }
    return Mono.empty();
  }

  /** The commit still in flight (a round's closing one), to be awaited before the next write. */
  private Mono<Void> takeInFlight() {
    Mono<Void> pendingCommit = inFlight;
    inFlight = Mono.empty();
    return pendingCommit;
  }

  /**
   * Starts the calls of idempotent tools (up to the tool concurrency), putting their coming
   * results in {@code early} for {@link #runCall}. Disposing the result cancels those still
   * running, which is safe for idempotent tools (done when the round's record cannot be committed).
   */
  private Disposable.Composite startIdempotentCalls(List<EventData.Call> calls, Map<Integer, Mono<ToolResult>> early) {
    Disposable.Composite running = Disposables.composite();
    int limit = Math.max(1, ctx.properties().toolConcurrency());
    for (int i = 0; i < calls.size() && early.size() < limit; i++) {
      JobTool tool = tools.get(calls.get(i).name());
      if (tool != null && tool.tool().idempotent() && calls.get(i).error() == null) {
        Sinks.One<ToolResult> result = Sinks.one();
        running.add(timedInvoke(tool, calls.get(i)).subscribe(result::tryEmitValue, result::tryEmitError, result::tryEmitEmpty));
        early.put(i, result.asMono());
      }
    }
    return running;
  }

  /**
   * Runs the calls not yet in {@code results} (in parallel, bounded; those in {@code early} are
   * already running), then adds all results in call order.
   */
  private Mono<Void> runCalls(
      int r, List<EventData.Call> calls, Map<Integer, EventData.ToolCompleted> results, boolean afterCrash,
      Map<Integer, Mono<ToolResult>> early) {
    AtomicInteger remaining = new AtomicInteger(calls.size() - results.size());
    return Flux.range(0, calls.size())
        .filter(i -> !results.containsKey(i))
        .flatMap(i -> runCall(r, i, calls.get(i), afterCrash, remaining, early.get(i)), Math.max(1, ctx.properties().toolConcurrency()))
        .doOnNext(t -> results.put(t.index(), t))
        .then(Mono.fromRunnable(() -> addToolMessages(r, calls, results, false)));
  }

  /**
   * Adds the round's results to the transcript in call order (a compaction they cause is committed
   * with the round's end); replayed results also rebuild the stuck detector's memory.
   */
  private void addToolMessages(int r, List<EventData.Call> calls, Map<Integer, EventData.ToolCompleted> results, boolean replaying) {
    if (results.size() != calls.size()) {
      throw new IllegalStateException("round has " + calls.size() + " calls but " + results.size() + " results");
    }
    List<EventData.ToolCompleted> ordered =
        results.values().stream().sorted(Comparator.comparingInt(EventData.ToolCompleted::index)).toList();
    if (replaying) {
      for (EventData.ToolCompleted t : ordered) {
        observe(calls.get(t.index()), t.result(), !t.ok());
      }
    }
    transcript.addResults(r, calls, ordered).ifPresent(c -> compaction = replaying ? null : c);
  }

  /** Tells the stuck detector about a call's result; the verdict is acted on by the caller. */
  private StuckDetector.Verdict observe(EventData.Call call, String result, boolean error) {
    synchronized (stuck) {
      return stuck.observe(new StuckDetector.Observation(call.name(), call.arguments(), result, error));
    }
  }

  /**
   * Runs one call and commits its result, except for the round's last call, whose result is
   * committed with the round's end (one commit fewer per round).
   */
  private Mono<EventData.ToolCompleted> runCall(
      int r, int index, EventData.Call call, boolean afterCrash, AtomicInteger remaining, Mono<ToolResult> started) {
    long start = System.nanoTime();
    JobTool tool = tools.get(call.name());
    Mono<ToolResult> result;
    if (call.error() != null) {
      result = Mono.just(ToolResult.failure(call.error(), call.detail()));
    } else if (started != null) {
      result = started;
    } else if (tool == null) {
      result = Mono.just(ToolResult.failure("unknown_tool", "there is no tool named '" + call.name() + "'; available: " + String.join(", ", tools.keySet())));
    } else if (afterCrash && !tool.tool().idempotent()) {
      result =
          Mono.just(
              ToolResult.failure(
                  "interrupted",
                  "this call was in flight when its orchestrator stopped; it was not repeated because '"
                      + call.name() + "' may have side effects. Call it again if it is still needed."));
    } else {
      result = timedInvoke(tool, call);
    }
    return result
        .onErrorResume(e -> Mono.just(ToolResult.failure("tool_error", String.valueOf(e.getMessage()))))
        .flatMap(
            res -> {
              boolean ok = res instanceof ToolResult.Success;
              String shown = transcript.capResult(res.text());
              String note = null;
              switch (observe(call, shown, !ok)) {
                case StuckDetector.Verdict.Nudge n -> note = n.note();
                case StuckDetector.Verdict.Stop s -> stopVerdict = s;
                case StuckDetector.Verdict.Continue c -> {}
              }
              EventData.ToolCompleted done =
                  new EventData.ToolCompleted(
                      r, index, call.id(), call.name(), ok, shown, res instanceof ToolResult.Failure f ? f.code() : null,
                      (System.nanoTime() - start) / 1_000_000, note);
              if (remaining.decrementAndGet() == 0) {
                lastCompletion = done;
                return Mono.just(done);
              }
              return commit(JobChange.NONE, List.of(done)).thenReturn(done);
            });
  }

  private Mono<ToolResult> timedInvoke(JobTool tool, EventData.Call call) {
    return Mono.defer(() -> {
      long callStart = System.nanoTime();
      return invoke(tool, call).doOnSuccess(x -> noteToolTime(System.nanoTime() - callStart));
    });
  }

  /** The round's tool time is its longest call (calls run in parallel). */
  private synchronized void noteToolTime(long nanos) {
    toolNanos = Math.max(toolNanos, nanos);
  }

  private Mono<ToolResult> invoke(JobTool tool, EventData.Call call) {
    JsonNode args;
    try {
      args = call.arguments().isBlank() ? ctx.json().createObjectNode() : ctx.json().readTree(call.arguments());
    } catch (JacksonException e) {
      return Mono.just(ToolResult.failure("invalid_arguments", "the arguments are not valid JSON: " + e.getOriginalMessage()));
    }
    List<String> problems = tool.schema().validate(args);
    if (!problems.isEmpty()) {
      return Mono.just(ToolResult.failure("invalid_arguments", "the arguments do not match the schema: " + String.join("; ", problems)));
    }
    Instant deadline = job.spec().deadlineSeconds() == null ? null : job.createdAt().plusSeconds(job.spec().deadlineSeconds());
    ToolContext context = new ToolContext(id, job.tenant(), call.id(), deadline);
    JsonNode arguments = args;
    // Bulkhead and breaker per tenant and tool; retries for idempotent tools only.
    return ctx.guard()
        .guard(job.tenant() + "/" + tool.tool().name(), tool.tool().idempotent(), Mono.defer(() -> tool.tool().call(arguments, context)));
  }

  private Mono<Void> fail(JobError error) {
    return terminal(JobChange.failed(error), new EventData.JobFailed(error.code(), error.message(), done));
  }

  private Mono<Void> terminal(JobChange change, EventData event) {
    finished = true;
    return takeInFlight()
        .onErrorResume(e -> Mono.empty())
        .then(Mono.defer(() -> ctx.writer().commit(id, fence, change, List.of(toNew(event)))))
        .doOnNext(r -> log.info("Job {} ended: {}", id, event.type().wire()))
        .then();
  }

  /** Commits and stops when the lease is gone or a cancel was requested. */
  private Mono<Void> commit(JobChange change, List<EventData> events) {
    return write(change, events)
        .flatMap(r -> r.cancelRequested() ? Mono.error(new CancelRequested()) : Mono.<Void>empty());
  }

  private Mono<CommitResult> write(JobChange change, List<EventData> events) {
    return takeInFlight()
        .then(Mono.defer(() -> ctx.writer().commit(id, fence, change, events.stream().map(this::toNew).toList())))
        .switchIfEmpty(Mono.error(() -> new LeaseLost("the job is no longer this replica's")));
  }

  private NewEvent toNew(EventData data) {
    return new NewEvent(data.type(), ctx.json().writeValueAsString(data));
  }

  /** The job was taken over or finished elsewhere. */
  static final class LeaseLost extends RuntimeException {
    LeaseLost(String message) {
      super(message, null, false, false);
    }
  }

  /** A cancel was requested while the job ran. */
  static final class CancelRequested extends RuntimeException {
    CancelRequested() {
      super("cancel requested", null, false, false);
    }
  }
}
