package io.fathom.orchestrator.context;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.ToolSpec;
import io.fathom.protocol.template.NanbeigeChatRenderer;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scripted conversation for tests: a prompt and turns of what the model "would" generate (reasoning, content,
 * calls) with the tool results of each. The generated ids of a turn are the encoding of the text the template
 * renders for it after the generation prompt, up to and including {@code <|im_end|>}.
 */
final class Script {

  static final NanbeigeChatRenderer RENDERER = new NanbeigeChatRenderer();
  static final List<ToolSpec> TOOLS =
      List.of(
          ToolSpec.function(
              "search",
              "Search the web",
              JsonMapper.builder().build().readTree("{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}")));
  static final List<String> WORDS =
      List.of("alpha", "beta", "gamma", "delta", "paris", "france", "capital", "population", "river", "found",
          "answer", "look", "page", "city", "OK", "is", "a", "in", "and", "first", "second");

  record Call(String name, String argumentsJson) {}

  /** One round: what the model generates, and the results of its calls (empty for a final answer). */
  record Turn(String reasoning, String content, List<Call> calls, List<String> results) {
    Turn {
      calls = List.copyOf(calls);
      results = List.copyOf(results);
    }

    static Turn call(String reasoning, String query, String result) {
      return new Turn(reasoning, "", List.of(new Call("search", "{\"query\": \"" + query + "\"}")), List.of(result));
    }

    static Turn answer(String reasoning, String content) {
      return new Turn(reasoning, content, List.of(), List.of());
    }

    ChatMessage message(int round) {
      List<ToolCall> toolCalls = new ArrayList<>();
      for (int i = 0; i < calls.size(); i++) {
        toolCalls.add(ToolCall.function("call_" + round + "_" + i, calls.get(i).name(), calls.get(i).argumentsJson()));
      }
      return new ChatMessage("assistant", content, reasoning, toolCalls.isEmpty() ? null : toolCalls, null, null);
    }

    /** What the model writes after the generation prompt, {@code <|im_end|>} included. */
    String modelText() {
      String turn = RENDERER.renderAssistantTurn(message(0));
      return turn.substring(NanbeigeChatRenderer.GENERATION_PROMPT.length(), turn.length() - 1);
    }
  }

  final String system;
  final String task;
  final List<Turn> turns;

  Script(String system, String task, List<Turn> turns) {
    this.system = system;
    this.task = task;
    this.turns = List.copyOf(turns);
  }

  Ledger ledger(HfTokenizer tokenizer) {
    Ledger ledger = Ledger.start(RENDERER, tokenizer, system, TOOLS, task);
    for (int r = 1; r <= turns.size(); r++) {
      Turn turn = turns.get(r - 1);
      ledger.appendAssistant(r, tokenizer.encode(turn.modelText()), "stop");
      if (!turn.results().isEmpty()) {
        ledger.appendToolResponses(r, turn.results());
      }
    }
    return ledger;
  }

  /** The conversation as messages, for the renderer. */
  List<ChatMessage> messages() {
    List<ChatMessage> messages = new ArrayList<>(new LedgerPrompt(system, TOOLS, task).messages());
    for (int r = 1; r <= turns.size(); r++) {
      Turn turn = turns.get(r - 1);
      messages.add(turn.message(r));
      for (int i = 0; i < turn.results().size(); i++) {
        messages.add(ChatMessage.tool("call_" + r + "_" + i, turn.calls().get(i).name(), turn.results().get(i)));
      }
    }
    return messages;
  }

  /** The renderer's text of the whole conversation with the generation prompt. */
  String renderedText() {
    return RENDERER.render(messages(), TOOLS, true, false);
  }

  /**
   * A random conversation: 1–8 rounds of 1–3 calls with results of 1–30 words, the last round sometimes a final
   * answer; reasoning is never empty.
   */
  static Script random(long seed) {
    Random random = new Random(seed);
    int rounds = 1 + random.nextInt(8);
    List<Turn> turns = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      String reasoning = words(random, 1 + random.nextInt(12));
      if (r == rounds && random.nextBoolean()) {
        turns.add(Turn.answer(reasoning, words(random, 1 + random.nextInt(6))));
        break;
      }
      int n = 1 + random.nextInt(3);
      List<Call> calls = new ArrayList<>();
      List<String> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(new Call("search", "{\"query\":\"" + words(random, 1 + random.nextInt(3)).replace('\n', ' ') + "\"}"));
        results.add(random.nextInt(10) == 0 ? "" : words(random, 1 + random.nextInt(30)) + (random.nextBoolean() ? "\nüñî 你好" : ""));
      }
      String content = random.nextInt(4) == 0 ? words(random, 3) : "";
      turns.add(new Turn(reasoning, content, calls, results));
    }
    String system = random.nextBoolean() ? null : "You " + words(random, 4);
    return new Script(system, "Task: " + words(random, 5) + "?", turns);
  }

  static String words(Random random, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : random.nextInt(8) == 0 ? "\n" : " ").append(WORDS.get(random.nextInt(WORDS.size())));
    }
    return sb.toString();
  }
}
