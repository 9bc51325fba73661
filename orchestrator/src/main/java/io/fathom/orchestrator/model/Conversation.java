package io.fathom.orchestrator.model;

import io.fathom.orchestrator.jobs.Sampling;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's chat messages, each serialised once when appended, so that building a round's request
 * costs a copy of the bytes rather than a re-serialisation of the whole conversation.
 */
public final class Conversation {

  private final JsonMapper json;
  private final List<byte[]> messages = new ArrayList<>();
  private final byte[] tools;
  private int bytes;

  public Conversation(JsonMapper json, List<ToolSpec> tools) {
    this.json = json;
    this.tools = tools.isEmpty() ? null : json.writeValueAsBytes(tools);
  }

  public void add(ChatMessage message) {
    byte[] b = json.writeValueAsBytes(message);
    messages.add(b);
    bytes += b.length;
  }

  public int size() {
    return messages.size();
  }

  /** The JSON of every message, in order (for tests and the trajectory). */
  public List<String> messagesJson() {
    return messages.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  /** The body of a {@code /chat/completions} request for this conversation. */
  public byte[] requestBody(String model, Sampling sampling) {
    return requestBody(model, sampling, false);
  }

  /** The same, streaming when {@code stream} (with usage in the last chunk). */
  public byte[] requestBody(String model, Sampling sampling, boolean stream) {
    ObjectNode head = json.createObjectNode();
    head.put("model", model);
    if (sampling.temperature() != null) {
      head.put("temperature", sampling.temperature());
    }
    if (sampling.topP() != null) {
      head.put("top_p", sampling.topP());
    }
    if (sampling.maxTokens() != null) {
      head.put("max_tokens", sampling.maxTokens());
    }
    head.put("stream", stream);
    if (stream) {
      head.putObject("stream_options").put("include_usage", true);
    }
    byte[] headBytes = json.writeValueAsBytes(head);
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + messages.size() + 256 + (tools == null ? 0 : tools.length));
    out.write(headBytes, 0, headBytes.length - 1); // without the closing brace
    if (tools != null) {
      write(out, ",\"tools\":");
      out.writeBytes(tools);
    }
    write(out, ",\"messages\":[");
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(messages.get(i));
    }
    write(out, "]}");
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }
}
