package io.fathom.orchestrator.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** What a job was asked to do, as submitted (validated by the API). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobSpec(
    String task,
    String system,
    List<String> tools,
    int maxRounds,
    Integer deadlineSeconds,
    Sampling sampling,
    JsonNode metadata,
    String idempotencyKey) {

  public JobSpec {
    tools = tools == null ? List.of() : List.copyOf(tools);
    sampling = sampling == null ? Sampling.DEFAULT : sampling;
  }
}
