package io.fathom.orchestrator.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextPolicyTest {

  private static final HfTokenizer TOKENIZER = TestTokenizer.build(Script.WORDS);
  private static final String PROMPT = "<|im_start|>system\ns<|im_end|>\n<|im_start|>user\nt<|im_end|>\n";
  private static final String GENERATION_PROMPT = "<|im_start|>assistant\n";

  /** The model's output in round r. */
  private static String output(int r) {
    return "<think>\nthinking " + r + "\n</think>\n\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"q" + r
        + "\"}}\n</tool_call><|im_end|>";
  }

  /** The result of round r: 201 tokens, much longer than its placeholder. */
  private static String result(int r) {
    return r + " " + String.join(" ", Collections.nCopies(200, "paris"));
  }

  private static String assistant(int r) {
    return GENERATION_PROMPT + output(r) + "\n";
  }

  private static String tool(String content) {
    return "<|im_start|>user\n<tool_response>\n" + content + "\n</tool_response><|im_end|>\n";
  }

  /** A ledger of {@code rounds} rounds of one call each. */
  private static Ledger ledger(int rounds) {
    Ledger ledger = Ledger.start(Script.RENDERER, TOKENIZER, "s", Script.TOOLS.subList(0, 0), "t");
    for (int r = 1; r <= rounds; r++) {
      ledger.appendAssistant(r, TOKENIZER.encode(output(r)), "stop");
      ledger.appendToolResponses(r, List.of(result(r)));
    }
    return ledger;
  }

  private static void assertShows(ContextView view, String expectedText) {
    assertThat(TOKENIZER.decode(view.requestIds().toArray(), false)).isEqualTo(expectedText);
    assertThat(view.requestIds().toArray()).containsExactly(TOKENIZER.encode(expectedText));
  }

  private static final String FOUR_ROUNDS_FIRST_TWO_COLLAPSED =
      PROMPT
          + assistant(1) + tool("[tool result of round 1 omitted]")
          + assistant(2) + tool("[tool result of round 2 omitted]")
          + assistant(3) + tool(result(3))
          + assistant(4) + tool(result(4))
          + GENERATION_PROMPT;

  @Test
  void fullShowsTheWholeLedger() {
    Ledger ledger = ledger(2);

    ContextView view = new ContextPolicy.Full().apply(ledger, CollapseState.NONE);

    assertShows(view, PROMPT + assistant(1) + tool(result(1)) + assistant(2) + tool(result(2)) + GENERATION_PROMPT);
    assertThat(view.requestIds().toArray()).containsExactly(ledger.requestIds());
    assertThat(view.state()).isEqualTo(CollapseState.NONE);
    assertThat(view.compaction()).isEmpty();
  }

  @Test
  void keepLastKShowsOnlyTheLastKRoundsOfResults() {
    ContextView view = new ContextPolicy.KeepLastK(2).apply(ledger(4), CollapseState.NONE);

    assertShows(view, FOUR_ROUNDS_FIRST_TWO_COLLAPSED);
    assertThat(view.state()).isEqualTo(new CollapseState(2));
    assertThat(view.compaction()).isEmpty();
  }

  @Test
  void keepLastKCollapsesNothingWhileThereAreAtMostKRoundsOfResults() {
    Ledger ledger = ledger(2);
    ContextView view = new ContextPolicy.KeepLastK(2).apply(ledger, new CollapseState(1));
    assertThat(view.requestIds().toArray()).containsExactly(ledger.requestIds());
    assertThat(view.state()).isEqualTo(CollapseState.NONE);
  }

  @Test
  void keepLastKChangesThePrefixEveryRound() {
    Ledger ledger = ledger(3);
    ContextPolicy policy = new ContextPolicy.KeepLastK(1);
    int[] before = policy.apply(ledger, CollapseState.NONE).requestIds().toArray();
    ledger.appendAssistant(4, TOKENIZER.encode(output(4)), "stop");
    ledger.appendToolResponses(4, List.of(result(4)));
    int[] after = policy.apply(ledger, CollapseState.NONE).requestIds().toArray();

    int common = PrefillAccounting.commonPrefix(before, after);
    int roundThree = TOKENIZER.encode(PROMPT + assistant(1) + tool("[tool result of round 1 omitted]") + assistant(2)
        + tool("[tool result of round 2 omitted]") + assistant(3)).length;
    assertThat(common).isEqualTo(roundThree + TOKENIZER.encode("<|im_start|>user\n<tool_response>\n").length);
  }

  @Test
  void aResultShorterThanItsPlaceholderIsKept() {
    Ledger ledger = Ledger.start(Script.RENDERER, TOKENIZER, "s", Script.TOOLS, "t");
    for (int r = 1; r <= 2; r++) {
      ledger.appendAssistant(r, TOKENIZER.encode(output(r)), "stop");
      ledger.appendToolResponses(r, List.of("OK"));
    }
    ContextView view = new ContextPolicy.KeepLastK(1).apply(ledger, CollapseState.NONE);
    assertThat(view.requestIds().toArray()).containsExactly(ledger.requestIds());
    assertThat(view.state()).isEqualTo(new CollapseState(1));
    assertThat(view.messages().get(3)).isEqualTo(ChatMessage.tool("call_1_0", "search", "OK"));
  }

  @Test
  void compactChangesNothingUnderTheHighWaterMark() {
    Ledger ledger = ledger(4);
    ContextView view = new ContextPolicy.Compact(ledger.requestSize(), 10).apply(ledger, CollapseState.NONE);
    assertThat(view.requestIds().toArray()).containsExactly(ledger.requestIds());
    assertThat(view.compaction()).isEmpty();
    assertThat(view.state()).isEqualTo(CollapseState.NONE);
  }

  @Test
  void compactCollapsesTheOldestResultsInOneStepDownToTheLowWaterMark() {
    Ledger ledger = ledger(4);
    int size = ledger.requestSize();
    int saved1 = saving(ledger, 1);
    int saved2 = saving(ledger, 2);
    int low = size - saved1 - saved2; // reached after collapsing rounds 1 and 2 exactly

    ContextView view = new ContextPolicy.Compact(size - 1, low).apply(ledger, CollapseState.NONE);

    assertShows(view, FOUR_ROUNDS_FIRST_TWO_COLLAPSED);
    assertThat(view.compaction()).contains(new Compaction(size, low, 1, 2, 2));
    assertThat(view.state()).isEqualTo(new CollapseState(2));
    assertThat(view.tokens()).isEqualTo(low);
  }

  @Test
  void afterACompactionThePrefixStaysStable() {
    Ledger ledger = ledger(4);
    ContextPolicy policy = new ContextPolicy.Compact(ledger.requestSize() - 1, ledger.requestSize() - saving(ledger, 1));
    ContextView first = policy.apply(ledger, CollapseState.NONE);
    assertThat(first.compaction()).map(Compaction::roundsCollapsed).contains(1);

    ledger.appendAssistant(5, TOKENIZER.encode(output(5)), "stop");
    ledger.appendToolResponses(5, List.of("OK"));
    ContextView second = policy.apply(ledger, first.state());

    assertThat(second.compaction()).isEmpty();
    assertThat(second.state()).isEqualTo(first.state());
    int[] before = first.requestIds().toArray();
    assertThat(PrefillAccounting.commonPrefix(before, second.requestIds().toArray())).isEqualTo(before.length);
  }

  @Test
  void compactNeverCollapsesTheLatestResults() {
    Ledger ledger = ledger(2);
    ContextPolicy policy = new ContextPolicy.Compact(2, 1);

    ContextView view = policy.apply(ledger, CollapseState.NONE);

    assertShows(view, PROMPT + assistant(1) + tool("[tool result of round 1 omitted]") + assistant(2) + tool(result(2)) + GENERATION_PROMPT);
    assertThat(view.compaction()).contains(new Compaction(ledger.requestSize(), view.tokens(), 1, 1, 1));
    ContextView again = policy.apply(ledger, view.state());
    assertThat(again.compaction()).isEmpty();
    assertThat(again.requestIds()).isEqualTo(view.requestIds());
  }

  @Test
  void aCompactionResumesFromItsStateAfterARestore() {
    Ledger ledger = ledger(4);
    int size = ledger.requestSize();
    ContextPolicy policy = new ContextPolicy.Compact(size - 1, size - saving(ledger, 1) - saving(ledger, 2));
    ContextView view = policy.apply(ledger, CollapseState.NONE);
    List<RoundDelta> deltas = new ArrayList<>();
    for (int r = 1; r <= 4; r++) {
      deltas.add(LedgerCodec.decodeDelta(LedgerCodec.encodeDelta(ledger.delta(r))));
    }
    Ledger restored = Ledger.restore(Script.RENDERER, TOKENIZER, ledger.prompt(), ledger.promptIds(), deltas);

    ContextView resumed = policy.apply(restored, new CollapseState(view.state().collapsedThroughRound()));

    assertThat(resumed.requestIds()).isEqualTo(view.requestIds());
    assertThat(resumed.compaction()).isEmpty();
  }

  @Test
  void theMessageViewShowsThePlaceholders() {
    Ledger ledger = Ledger.start(Script.RENDERER, TOKENIZER, "s", Script.TOOLS, "t");
    for (int r = 1; r <= 3; r++) {
      ledger.appendAssistant(r, TOKENIZER.encode(output(r)), "stop");
      ledger.appendToolResponses(r, List.of(result(r)));
    }

    List<ChatMessage> messages = new ContextPolicy.KeepLastK(1).apply(ledger, CollapseState.NONE).messages();

    assertThat(messages).filteredOn(m -> m.role().equals("tool")).extracting(ChatMessage::content)
        .containsExactly("[tool result of round 1 omitted]", "[tool result of round 2 omitted]", result(3));
    assertThat(messages.get(5).toolCallId()).isEqualTo("call_2_0");
  }

  @Test
  void policiesParseFromTheirSpec() {
    for (ContextPolicy policy :
        List.of(new ContextPolicy.Full(), new ContextPolicy.KeepLastK(5), new ContextPolicy.Compact(229_376, 32_768))) {
      assertThat(ContextPolicy.parse(policy.spec())).isEqualTo(policy);
    }
    assertThat(ContextPolicy.parse(" Keep_Last_K:3 ")).isEqualTo(new ContextPolicy.KeepLastK(3));
    assertThatThrownBy(() -> ContextPolicy.parse("keep_last_k")).hasMessageContaining("is not one of");
    assertThatThrownBy(() -> ContextPolicy.parse("full:1")).hasMessageContaining("is not one of");
    assertThatThrownBy(() -> ContextPolicy.parse("keep_last_k:x")).hasMessageContaining("\"keep_last_k:x\"");
    assertThatThrownBy(() -> ContextPolicy.parse("keep_last_k:0")).hasMessageContaining("k >= 1");
    assertThatThrownBy(() -> ContextPolicy.parse("compact:10:10")).hasMessageContaining("lowWater < highWater");
    assertThatThrownBy(() -> ContextPolicy.parse("lru")).hasMessageContaining("is not one of");
  }

  private static int saving(Ledger ledger, int round) {
    Segment.ToolResponses t =
        ledger.segments().stream()
            .filter(s -> s instanceof Segment.ToolResponses && s.round() == round)
            .map(Segment.ToolResponses.class::cast)
            .findFirst()
            .orElseThrow();
    return t.length() - ledger.collapsedIds(t).length();
  }
}
