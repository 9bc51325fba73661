package io.fathom.protocol.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Token usage of one completion. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Usage(
    @JsonProperty("prompt_tokens") long promptTokens,
    @JsonProperty("completion_tokens") long completionTokens,
    @JsonProperty("total_tokens") long totalTokens) {

  public static final Usage ZERO = new Usage(0, 0, 0);
}
