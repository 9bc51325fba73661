package io.fathom.orchestrator.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Sampling parameters passed to the model; null means the server's default. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sampling(Double temperature, Double topP, Integer maxTokens) {
  public static final Sampling DEFAULT = new Sampling(null, null, null);
}
