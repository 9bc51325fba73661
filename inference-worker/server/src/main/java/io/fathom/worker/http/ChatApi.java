package io.fathom.worker.http;

import io.fathom.engine.runtime.FinishReason;
import io.fathom.engine.runtime.Usage;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.engine.sampling.TokenLogprob;
import io.fathom.protocol.chat.NanbeigeOutputParser;
import io.fathom.protocol.chat.ParseEvent;
import io.fathom.protocol.chat.ParsedTurn;
import io.fathom.protocol.chat.ReasoningStart;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import io.fathom.protocol.template.ChatTemplateException;
import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.worker.model.LoadedModel;
import io.fathom.worker.text.GeneratedText;
import io.fathom.worker.text.OutputDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/chat/completions}: messages rendered with the model's chat template, the output parsed
 * into reasoning ({@code reasoning_content}), content and {@code tool_calls} by
 * {@link NanbeigeOutputParser}; finish reason {@code tool_calls} when the turn made valid calls. Calls the
 * parser rejects (malformed JSON, unknown function, …) are reported in the choice's
 * {@code fathom_parse_errors}.
 */
final class ChatApi {

  static final int MAX_MESSAGES = 100_000;

  /** A validated request, ready to run. */
  record Prepared(
      int[] prompt, SamplingRequest sampling, SamplingParams params, Set<String> knownTools, boolean logprobs,
      int topLogprobs) {}

  private ChatApi() {}

  static Prepared prepare(JsonNode body, LoadedModel model, int maxSequenceLength) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    Rendered rendered = render(body, model);
    int vocab = model.config().vocabSize();
    SamplingRequest sampling = SamplingRequest.parse(body, vocab, "max_completion_tokens", "max_tokens");
    boolean logprobs = Fields.bool(body, "logprobs", false);
    Integer top = Fields.integer(body, "top_logprobs", 0, SamplingParams.MAX_LOGPROBS);
    if (top != null && top > 0 && !logprobs) {
      throw ApiException.badRequest("top_logprobs", "top_logprobs needs logprobs: true");
    }
    int[] prompt = model.tokenizer().encode(rendered.text());
    if (prompt.length == 0) {
      throw ApiException.badRequest("messages", "the rendered prompt is empty");
    }
    CompletionsApi.checkLength(prompt.length, sampling.maxTokens() == null ? 1 : sampling.maxTokens(),
        sampling.maxTokens() != null, maxSequenceLength, "messages");
    int maxTokens = sampling.maxTokens() == null ? maxSequenceLength - prompt.length : sampling.maxTokens();
    SamplingParams params = sampling.toParams(maxTokens, endIds(model), logprobs ? (top == null ? 0 : top) : 0);
    return new Prepared(prompt, sampling, params, rendered.knownTools(), logprobs, top == null ? 0 : top);
  }

  /** The ids that end a chat turn by default: the model's stop ids and its end of turn. */
  static int[] endIds(LoadedModel model) {
    return model.endOfTurnId() < 0 ? model.stopTokenIds() : union(model.stopTokenIds(), model.endOfTurnId());
  }

  /** The prompt text of a chat request and the tools whose calls are parsed. */
  record Rendered(String text, Set<String> knownTools) {}

  /** Renders {@code messages} (and {@code tools}) with the model's template; shared with {@code /tokenize}. */
  static Rendered render(JsonNode body, LoadedModel model) {
    List<ChatMessage> messages = messages(Fields.get(body, "messages"));
    List<ToolSpec> tools = tools(Fields.get(body, "tools"));
    JsonNode choice = Fields.get(body, "tool_choice");
    boolean none = false;
    if (choice != null) {
      if (choice.isString()) {
        String c = choice.stringValue();
        if (!List.of("none", "auto", "required").contains(c)) {
          throw ApiException.badRequest("tool_choice", "tool_choice must be \"none\", \"auto\", \"required\" or a function, got \"" + c + "\"");
        }
        none = c.equals("none");
      } else if (!choice.isObject()) {
        throw ApiException.badRequest("tool_choice", "tool_choice must be a string or an object");
      }
    }
    if (none) {
      tools = List.of();
    }
    if (Fields.bool(body, "continue_final_message", false)) {
      throw ApiException.badRequest("continue_final_message", "continue_final_message is not supported");
    }
    if (Fields.get(body, "chat_template") != null) {
      throw ApiException.badRequest("chat_template", "a per-request chat_template is not supported");
    }
    boolean addGenerationPrompt = Fields.bool(body, "add_generation_prompt", true);
    String text;
    try {
      text = model.renderer().render(messages, tools, addGenerationPrompt, false);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("messages", e.getMessage());
    } catch (ChatTemplateException e) {
      throw ApiException.badRequest("messages", "the chat template failed: " + e.getMessage());
    }
    Set<String> names = new LinkedHashSet<>();
    tools.forEach(t -> names.add(t.function().name()));
    return new Rendered(text, names);
  }

  private static int[] union(int[] ids, int id) {
    for (int i : ids) {
      if (i == id) {
        return ids;
      }
    }
    int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = id;
    return out;
  }

  static List<ChatMessage> messages(JsonNode v) {
    if (v == null) {
      throw ApiException.badRequest("messages", "messages is required: an array of {role, content} objects");
    }
    if (!v.isArray() || v.isEmpty()) {
      throw ApiException.badRequest("messages", "messages must be a non-empty array");
    }
    if (v.size() > MAX_MESSAGES) {
      throw ApiException.badRequest("messages", "messages has " + v.size() + " entries, above the limit of " + MAX_MESSAGES);
    }
    List<ChatMessage> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      String at = "messages[" + i + "]";
      JsonNode m = v.get(i);
      if (!m.isObject()) {
        throw ApiException.badRequest(at, at + " must be an object");
      }
      String role = requiredString(m, "role", at);
      String content = content(m.get("content"), at + ".content");
      String reasoning = optionalString(m, "reasoning_content", at);
      if (reasoning == null) {
        reasoning = optionalString(m, "reasoning", at);
      }
      List<ToolCall> calls = null;
      JsonNode tc = Fields.get(m, "tool_calls");
      if (tc != null) {
        if (!tc.isArray()) {
          throw ApiException.badRequest(at + ".tool_calls", at + ".tool_calls must be an array");
        }
        calls = new ArrayList<>();
        for (int j = 0; j < tc.size(); j++) {
          String cat = at + ".tool_calls[" + j + "]";
          JsonNode call = tc.get(j);
          JsonNode fn = call.isObject() ? call.get("function") : null;
          if (fn == null || !fn.isObject()) {
            throw ApiException.badRequest(cat + ".function", cat + ".function must be an object with name and arguments");
          }
          String name = requiredString(fn, "name", cat + ".function");
          JsonNode args = fn.get("arguments");
          String arguments;
          if (args == null || args.isNull()) {
            arguments = "{}";
          } else if (args.isString()) {
            arguments = args.stringValue();
          } else if (args.isObject()) {
            arguments = Json.write(args);
          } else {
            throw ApiException.badRequest(cat + ".function.arguments", cat + ".function.arguments must be a JSON string or object");
          }
          calls.add(ToolCall.function(optionalString(call, "id", cat), name, arguments));
        }
      }
      out.add(new ChatMessage(role, content, reasoning, calls, optionalString(m, "tool_call_id", at), optionalString(m, "name", at)));
    }
    return out;
  }

  /** A string, null, or an array of text parts joined (OpenAI's content parts; only text is supported). */
  private static String content(JsonNode v, String at) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isString()) {
      return v.stringValue();
    }
    if (v.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < v.size(); i++) {
        JsonNode part = v.get(i);
        String pat = at + "[" + i + "]";
        if (!part.isObject() || !"text".equals(part.path("type").asString(""))) {
          throw ApiException.badRequest(pat, pat + " must be a {\"type\": \"text\", \"text\": ...} part; only text is supported");
        }
        sb.append(requiredString(part, "text", pat));
      }
      return sb.toString();
    }
    throw ApiException.badRequest(at, at + " must be a string, an array of text parts or null");
  }

  static List<ToolSpec> tools(JsonNode v) {
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw ApiException.badRequest("tools", "tools must be an array");
    }
    List<ToolSpec> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < v.size(); i++) {
      String at = "tools[" + i + "]";
      JsonNode t = v.get(i);
      JsonNode fn = t.isObject() ? t.get("function") : null;
      if (fn == null || !fn.isObject()) {
        throw ApiException.badRequest(at + ".function", at + ".function must be an object with a name");
      }
      String type = optionalString(t, "type", at);
      if (type != null && !type.equals("function")) {
        throw ApiException.badRequest(at + ".type", at + ".type must be \"function\", got \"" + type + "\"");
      }
      String name = requiredString(fn, "name", at + ".function");
      if (name.isEmpty() || !seen.add(name)) {
        throw ApiException.badRequest(at + ".function.name", at + ".function.name is empty or repeats another tool's");
      }
      JsonNode parameters = Fields.get(fn, "parameters");
      if (parameters != null && !parameters.isObject()) {
        throw ApiException.badRequest(at + ".function.parameters", at + ".function.parameters must be a JSON Schema object");
      }
      out.add(new ToolSpec(type, new ToolSpec.FunctionSpec(name, optionalString(fn, "description", at + ".function"), parameters)));
    }
    return out;
  }

  private static String requiredString(JsonNode node, String field, String at) {
    JsonNode v = node.get(field);
    if (v == null || !v.isString()) {
      throw ApiException.badRequest(at + "." + field, at + "." + field + " is required and must be a string");
    }
    return v.stringValue();
  }

  private static String optionalString(JsonNode node, String field, String at) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isString()) {
      throw ApiException.badRequest(at + "." + field, at + "." + field + " must be a string");
    }
    return v.stringValue();
  }

  /** Builds the response(s) of one run. */
  static final class Assembler {
    private final LoadedModel model;
    private final HfTokenizer tokenizer;
    private final Prepared request;
    private final GenerationRun run;
    private final String id = Json.id("chatcmpl-");
    private final long created = System.currentTimeMillis() / 1000;
    private final GeneratedText text;
    private final List<Integer> tokens;
    private final NanbeigeOutputParser parser;
    private final List<ParseEvent> events = new ArrayList<>();
    private final List<SampledToken> sampled = new ArrayList<>();
    private final List<ObjectNode> calls = new ArrayList<>();
    private final List<ParseEvent.ParseError> errors = new ArrayList<>();
    private String finishReason;
    private ParsedTurn turn;
    private Usage usage;

    Assembler(LoadedModel model, Prepared request, GenerationRun run) {
      this.model = model;
      this.tokenizer = model.tokenizer();
      this.request = request;
      this.run = run;
      this.text = request.sampling().newText(tokenizer, request.prompt(), request.params(), endIds(model));
      this.tokens = text.tokens();
      this.parser = new NanbeigeOutputParser(request.knownTools(), ReasoningStart.DETECT, events::add);
    }

    /** Feeds a token; returns the parser events it released (none once a stop string ended the text). */
    List<ParseEvent> accept(SampledToken token) {
      if (text.stoppedByString()) {
        return List.of();
      }
      sampled.add(token);
      parser.feed(text.accept(token.token()));
      if (text.stoppedByString()) {
        run.stop();
        finishParse("stop");
      }
      return drain();
    }

    List<ParseEvent> finish(FinishReason reason, Usage usage) {
      this.usage = usage;
      if (!text.stoppedByString()) {
        parser.feed(text.finish(reason));
        finishParse(text.stoppedByString() || reason == FinishReason.STOP ? "stop" : reason == FinishReason.LENGTH ? "length" : "abort");
      }
      return drain();
    }

    private void finishParse(String reason) {
      turn = parser.finish("abort".equals(reason) ? NanbeigeOutputParser.FINISH_STOP : reason);
      finishReason = turn.toolCalls().isEmpty() ? reason : "tool_calls";
      run.finishLabel(finishReason);
    }

    private List<ParseEvent> drain() {
      List<ParseEvent> out = List.copyOf(events);
      events.clear();
      for (ParseEvent e : out) {
        if (e instanceof ParseEvent.ToolCallParsed call) {
          calls.add(toolCall(call));
        } else if (e instanceof ParseEvent.ParseError error) {
          errors.add(error);
        }
      }
      return out;
    }

    private ObjectNode toolCall(ParseEvent.ToolCallParsed call) {
      ObjectNode c = Json.object();
      c.put("id", "call_" + id.substring("chatcmpl-".length(), Math.min(id.length(), "chatcmpl-".length() + 16)) + "_" + call.index());
      c.put("type", "function");
      ObjectNode fn = c.putObject("function");
      fn.put("name", call.name());
      fn.put("arguments", call.argumentsJson());
      return c;
    }

    ObjectNode response() {
      ObjectNode root = head("chat.completion");
      ObjectNode choice = root.putArray("choices").addObject();
      choice.put("index", 0);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      if (turn.content().isEmpty() && !calls.isEmpty()) {
        message.putNull("content");
      } else {
        message.put("content", turn.content());
      }
      if (turn.reasoning().isEmpty()) {
        message.putNull("reasoning_content");
      } else {
        message.put("reasoning_content", turn.reasoning());
      }
      ArrayNode toolCalls = message.putArray("tool_calls");
      calls.forEach(toolCalls::add);
      if (request.logprobs()) {
        ArrayNode content = choice.putObject("logprobs").putArray("content");
        sampled.forEach(t -> content.add(logprob(t)));
      } else {
        choice.putNull("logprobs");
      }
      choice.put("finish_reason", finishReason);
      choice.set("stop_reason", Json.stopReason(text));
      if (!errors.isEmpty()) {
        choice.set("fathom_parse_errors", errorsNode(errors));
      }
      if (request.sampling().returnTokenIds()) {
        ArrayNode ids = choice.putArray("token_ids");
        tokens.forEach(ids::add);
        ArrayNode promptIds = root.putArray("prompt_token_ids");
        for (int t : request.prompt()) {
          promptIds.add(t);
        }
      }
      root.set("usage", Json.usage(usage, tokens.size()));
      return root;
    }

    private static ArrayNode errorsNode(List<ParseEvent.ParseError> errors) {
      ArrayNode out = Json.MAPPER.createArrayNode();
      for (ParseEvent.ParseError e : errors) {
        ObjectNode n = out.addObject();
        n.put("kind", e.kind().name().toLowerCase(java.util.Locale.ROOT));
        n.put("message", e.toolErrorMessage());
        n.put("raw", e.raw());
      }
      return out;
    }

    private ObjectNode logprob(SampledToken t) {
      ObjectNode n = entry(t.token(), t.logprob());
      ArrayNode top = n.putArray("top_logprobs");
      for (TokenLogprob lp : t.topLogprobs()) {
        top.add(entry(lp.token(), lp.logprob()));
      }
      return n;
    }

    private ObjectNode entry(int id, double logprob) {
      ObjectNode n = Json.object();
      String piece = OutputDecoder.tokenText(tokenizer, id);
      n.put("token", piece);
      n.put("logprob", logprob);
      ArrayNode bytes = n.putArray("bytes");
      for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
        bytes.add(b & 0xFF);
      }
      return n;
    }

    private ObjectNode head(String object) {
      ObjectNode root = Json.object();
      root.put("id", id);
      root.put("object", object);
      root.put("created", created);
      root.put("model", model.name());
      return root;
    }

    private ObjectNode chunk(ObjectNode delta, String finish) {
      ObjectNode root = head("chat.completion.chunk");
      ObjectNode choice = root.putArray("choices").addObject();
      choice.put("index", 0);
      choice.set("delta", delta);
      choice.putNull("logprobs");
      if (finish == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finish);
        choice.set("stop_reason", Json.stopReason(text));
      }
      return root;
    }

    Mono<ObjectNode> collect(Flux<GenerationRun.Event> events) {
      return events
          .doOnNext(
              event -> {
                switch (event) {
                  case GenerationRun.Event.Token t -> accept(t.token());
                  case GenerationRun.Event.Finished f -> finish(f.reason(), f.usage());
                }
              })
          .then(Mono.fromSupplier(this::response));
    }

    /** Chunks: the role first; then reasoning, content and whole tool calls as the parser releases them. */
    Flux<String> stream(Flux<GenerationRun.Event> runEvents) {
      ObjectNode role = Json.object();
      role.put("role", "assistant");
      role.put("content", "");
      String first = Json.sse(chunk(role, null));
      Flux<String> body =
          runEvents.concatMapIterable(
              event -> {
                List<String> out = new ArrayList<>();
                SampledToken token = null;
                List<ParseEvent> released;
                boolean end = event instanceof GenerationRun.Event.Finished;
                boolean wasStopped = text.stoppedByString();
                switch (event) {
                  case GenerationRun.Event.Token t -> {
                    token = text.stoppedByString() ? null : t.token();
                    released = accept(t.token());
                  }
                  case GenerationRun.Event.Finished f -> released = finish(f.reason(), f.usage());
                }
                List<ObjectNode> chunks = new ArrayList<>();
                for (ParseEvent e : released) {
                  ObjectNode delta = Json.object();
                  switch (e) {
                    case ParseEvent.ReasoningDelta r -> {
                      if (r.text().isEmpty()) {
                        continue;
                      }
                      delta.put("reasoning_content", r.text());
                    }
                    case ParseEvent.ContentDelta c -> {
                      if (c.text().isEmpty()) {
                        continue;
                      }
                      delta.put("content", c.text());
                    }
                    case ParseEvent.ToolCallParsed call -> {
                      ObjectNode tc = toolCall(call);
                      tc.put("index", call.index());
                      delta.putArray("tool_calls").add(tc);
                    }
                    case ParseEvent.ParseError error -> {
                      continue;
                    }
                  }
                  chunks.add(chunk(delta, null));
                }
                if (token != null && (request.logprobs() || request.sampling().returnTokenIds())) {
                  if (chunks.isEmpty()) {
                    chunks.add(chunk(Json.object(), null));
                  }
                  ObjectNode choice = (ObjectNode) chunks.getFirst().path("choices").get(0);
                  if (request.logprobs()) {
                    choice.putObject("logprobs").putArray("content").add(logprob(token));
                  }
                  if (request.sampling().returnTokenIds()) {
                    choice.putArray("token_ids").add(token.token());
                  }
                }
                chunks.forEach(c -> out.add(Json.sse(c)));
                boolean finishedNow = (text.stoppedByString() && !wasStopped) || (end && !wasStopped);
                if (finishedNow) {
                  ObjectNode last = chunk(Json.object(), finishReason);
                  if (!errors.isEmpty()) {
                    ((ObjectNode) last.path("choices").get(0)).set("fathom_parse_errors", errorsNode(errors));
                  }
                  out.add(Json.sse(last));
                }
                if (end && request.sampling().includeUsage()) {
                  ObjectNode u = head("chat.completion.chunk");
                  u.putArray("choices");
                  u.set("usage", Json.usage(usage, tokens.size()));
                  out.add(Json.sse(u));
                }
                return out;
              });
      return Flux.just(first).concatWith(body).concatWith(Flux.just(Json.DONE));
    }
  }
}
