package io.fathom.orchestrator.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The data of each event type; serialised (snake_case) as the event's JSON. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface EventData {

  EventType type();

  record JobStarted(String instance) implements EventData {
    public EventType type() {
      return EventType.JOB_STARTED;
    }
  }

  record JobResumed(String instance, int rounds) implements EventData {
    public EventType type() {
      return EventType.JOB_RESUMED;
    }
  }

  record RoundStarted(int round) implements EventData {
    public EventType type() {
      return EventType.ROUND_STARTED;
    }
  }

  /**
   * A call as the model wrote it: {@code arguments} is its raw JSON text. A call the model wrote
   * wrongly (a bare or malformed {@code <tool_call>}, an unknown function, a call cut by the length
   * limit, …) has {@code error} (the parse error's kind, e.g. {@code malformed_json}) and {@code
   * detail} (what the model is told); it is answered with that error, not run.
   */
  record Call(String id, String name, String arguments, String error, String detail) {
    public Call(String id, String name, String arguments) {
      this(id, name, arguments, null, null);
    }
  }

  record Usage(long promptTokens, long completionTokens) {}

  record ModelCompleted(
      int round,
      String content,
      String reasoning,
      List<Call> toolCalls,
      String finishReason,
      Usage usage,
      long durationMs,
      String server,
      int[] tokenIds)
      implements EventData {
    public EventType type() {
      return EventType.MODEL_COMPLETED;
    }
  }

  record ToolCalled(int round, int index, String callId, String name, String arguments) implements EventData {
    public EventType type() {
      return EventType.TOOL_CALLED;
    }
  }

  /**
   * {@code result} is the exact text the model is shown (cut to the job's budget, with a note, when
   * it was longer), followed by {@code note} when there is one (the loop's nudge when the model
   * repeats itself); {@code error} is set when the call failed.
   */
  record ToolCompleted(
      int round, int index, String callId, String name, boolean ok, String result, String error, long durationMs,
      String note)
      implements EventData {
    public EventType type() {
      return EventType.TOOL_COMPLETED;
    }

    /** The text the model is shown. */
    public String shown() {
      return note == null ? result : result + "\n\n" + note;
    }
  }

  /**
   * Reasoning and content the model wrote since the last delta of the round, sent live while it
   * generates (coalesced; not stored, no sequence number: {@code model.completed} has it all).
   */
  record ModelDelta(int round, String reasoning, String content) implements EventData {
    public EventType type() {
      return EventType.MODEL_DELTA;
    }
  }

  /** A compaction of the context (policy {@code compact}): the oldest tool results were collapsed. */
  record ContextCompacted(int round, int tokensBefore, int tokensAfter, int firstRound, int lastRound, int roundsCollapsed)
      implements EventData {
    public EventType type() {
      return EventType.CONTEXT_COMPACTED;
    }
  }

  record RoundCompleted(int round, long durationMs) implements EventData {
    public EventType type() {
      return EventType.ROUND_COMPLETED;
    }
  }

  record JobCompleted(String answer, int rounds, Usage usage) implements EventData {
    public EventType type() {
      return EventType.JOB_COMPLETED;
    }
  }

  record JobFailed(String code, String message, int rounds) implements EventData {
    public EventType type() {
      return EventType.JOB_FAILED;
    }
  }

  record JobCancelled(String reason, int rounds) implements EventData {
    public EventType type() {
      return EventType.JOB_CANCELLED;
    }
  }
}
