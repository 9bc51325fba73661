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

  /** A call as the model wrote it: {@code arguments} is its raw JSON text. */
  record Call(String id, String name, String arguments) {}

  record Usage(long promptTokens, long completionTokens) {}

  record ModelCompleted(
      int round,
      String content,
      String reasoning,
      List<Call> toolCalls,
      String finishReason,
      Usage usage,
      long durationMs,
      String server)
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

  /** {@code result} is the exact text the model is shown; {@code error} is set when the call failed. */
  record ToolCompleted(
      int round, int index, String callId, String name, boolean ok, String result, String error, long durationMs)
      implements EventData {
    public EventType type() {
      return EventType.TOOL_COMPLETED;
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
