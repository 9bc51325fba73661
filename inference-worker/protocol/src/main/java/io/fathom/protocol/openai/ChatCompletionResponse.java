package io.fathom.protocol.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A non-streaming chat completion response; unknown fields (vendor extensions) are ignored. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ChatCompletionResponse(String id, String model, List<Choice> choices, Usage usage) {

  /** One generated alternative. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Choice(int index, ChatMessage message, @JsonProperty("finish_reason") String finishReason) {}
}
