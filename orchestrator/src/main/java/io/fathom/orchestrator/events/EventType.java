package io.fathom.orchestrator.events;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The closed set of job event types, with their wire names. */
public enum EventType {
  JOB_QUEUED("job.queued"),
  JOB_STARTED("job.started"),
  JOB_RESUMED("job.resumed"),
  ROUND_STARTED("round.started"),
  MODEL_DELTA("model.delta"),
  MODEL_COMPLETED("model.completed"),
  TOOL_CALLED("tool.called"),
  TOOL_COMPLETED("tool.completed"),
  ROUND_COMPLETED("round.completed"),
  CONTEXT_COMPACTED("context.compacted"),
  JOB_COMPLETED("job.completed"),
  JOB_FAILED("job.failed"),
  JOB_CANCELLED("job.cancelled");

  private static final Map<String, EventType> BY_WIRE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EventType::wire, Function.identity()));

  private final String wire;

  EventType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Whether the stream of a job ends with this event. */
  public boolean isTerminal() {
    return this == JOB_COMPLETED || this == JOB_FAILED || this == JOB_CANCELLED;
  }

  public static EventType fromWire(String wire) {
    EventType type = BY_WIRE.get(wire);
    if (type == null) {
      throw new IllegalArgumentException("unknown event type " + wire);
    }
    return type;
  }
}
