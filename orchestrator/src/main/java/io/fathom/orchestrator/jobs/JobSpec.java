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
    String idempotencyKey,
    String contextPolicy,
    Integer maxContextTokens,
    Long maxGeneratedTokens,
    Integer maxToolResultTokens,
    Boolean streamDeltas,
    String repository) {

  /** A model's whole context: Nanbeige4.1-3B's. */
  public static final int DEFAULT_CONTEXT_TOKENS = 262_144;

  public JobSpec {
    tools = tools == null ? List.of() : List.copyOf(tools);
    sampling = sampling == null ? Sampling.DEFAULT : sampling;
  }

  /** Whether {@code model.delta} events are sent while the model generates (the default). */
  public boolean deltas() {
    return streamDeltas == null || streamDeltas;
  }

  /** The context budget in tokens. */
  public int contextTokens() {
    return maxContextTokens == null ? DEFAULT_CONTEXT_TOKENS : maxContextTokens;
  }

  /**
   * The context policy's spec: {@code full} (the default), {@code keep_last_k:K}, {@code
   * compact:HIGH:LOW}, or {@code compact} with marks at 7/8 and 1/8 of the context budget.
   */
  public String contextPolicySpec() {
    if (contextPolicy == null || contextPolicy.isBlank()) {
      return "full";
    }
    String spec = contextPolicy.strip();
    return spec.equalsIgnoreCase("compact") ? "compact:" + (contextTokens() / 8 * 7) + ":" + (contextTokens() / 8) : spec;
  }
}
