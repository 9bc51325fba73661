package io.fathom.orchestrator.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetAndCapTest {

  private static final HfTokenizer TOKENIZER = TestTokenizer.build(Script.WORDS);

  private static ContextView view() {
    Ledger ledger = Ledger.start(Script.RENDERER, TOKENIZER, "s", List.of(), "t");
    ledger.appendAssistant(1, TOKENIZER.encode("<think>\nOK\n</think>\n\nOK<|im_end|>"), "stop");
    ledger.appendToolResponses(1, List.of(String.join(" ", Collections.nCopies(50, "paris"))));
    ledger.appendAssistant(2, TOKENIZER.encode("<think>\nOK\n</think>\n\nOK<|im_end|>"), "stop");
    ledger.appendToolResponses(2, List.of("OK"));
    return new ContextPolicy.KeepLastK(1).apply(ledger, CollapseState.NONE);
  }

  @Test
  void aRequestThatFitsReportsItsHeadroom() {
    ContextView view = view();
    int tokens = view.tokens();

    assertThat(new ContextBudget(tokens + 10).check(view, 10)).isEqualTo(new ContextBudget.Check.Fits(tokens, 0));
    assertThat(new ContextBudget(tokens + 10).check(view, 3)).isEqualTo(new ContextBudget.Check.Fits(tokens, 7));
    assertThat(ContextBudget.nanbeige().contextTokens()).isEqualTo(262_144);
  }

  @Test
  void anExceededBudgetSaysByHowMuchAndAfterWhichPolicy() {
    ContextView view = view();
    int tokens = view.tokens();

    ContextBudget.Check check = new ContextBudget(tokens + 10).check(view, 11);

    assertThat(check).isInstanceOf(ContextBudget.Check.Exceeded.class);
    ContextBudget.Check.Exceeded exceeded = (ContextBudget.Check.Exceeded) check;
    assertThat(exceeded.requestTokens()).isEqualTo(tokens);
    assertThat(exceeded.reason())
        .isEqualTo("context budget exceeded: the request is " + tokens + " tokens after the keep_last_k:1 context policy"
            + " (tool results of rounds up to 1 collapsed), and with 11 tokens reserved for the reply it needs "
            + (tokens + 11) + " of the model's " + (tokens + 10) + "-token context");
    assertThatThrownBy(() -> new ContextBudget(0)).hasMessageContaining("contextTokens must be >= 1");
    assertThatThrownBy(() -> ContextBudget.nanbeige().check(view, -1)).hasMessageContaining("replyTokens must be >= 0");
  }

  @Test
  void theBudgetReasonUsesThousandsSeparators() {
    Ledger ledger = Ledger.start(Script.RENDERER, TOKENIZER, "s", List.of(), String.join(" ", Collections.nCopies(1500, "paris")));
    ContextView view = new ContextPolicy.Full().apply(ledger, CollapseState.NONE);
    ContextBudget.Check.Exceeded exceeded = (ContextBudget.Check.Exceeded) new ContextBudget(1_000).check(view, 0);
    assertThat(exceeded.reason()).contains("the request is 1,5").contains("(no tool result collapsed)").contains("1,000-token context");
  }

  @Test
  void aShortResultIsLeftAlone() {
    ToolResultCap cap = new ToolResultCap(TOKENIZER, 5);
    assertThat(cap.apply("paris is a city")).isEqualTo(new ToolResultCap.Capped("paris is a city", 4, false));
    assertThat(cap.apply("")).isEqualTo(new ToolResultCap.Capped("", 0, false));
  }

  @Test
  void aLongResultIsCutToItsFirstTokensWithANote() {
    ToolResultCap cap = new ToolResultCap(TOKENIZER, 3);

    ToolResultCap.Capped capped = cap.apply("paris is a city in france");

    assertThat(capped).isEqualTo(new ToolResultCap.Capped("paris is a\n[truncated: 6 tokens, showing the first 3]", 6, true));
  }

  @Test
  void theNoteUsesThousandsSeparators() {
    assertThat(ToolResultCap.note(12_345, 4_000)).isEqualTo("[truncated: 12,345 tokens, showing the first 4,000]");
    String big = String.join(" ", Collections.nCopies(12_345, "paris"));
    ToolResultCap.Capped capped = new ToolResultCap(TOKENIZER, 4_000).apply(big);
    assertThat(capped.text()).endsWith("paris\n[truncated: 12,345 tokens, showing the first 4,000]");
    assertThat(TOKENIZER.encode(capped.text().substring(0, capped.text().indexOf('\n')))).hasSize(4_000);
  }

  @Test
  void aCharacterSplitByTheCutIsDropped() {
    // "你" is not in the vocabulary: three byte-fallback ids after "▁"; cutting after two of them leaves half a character.
    ToolResultCap cap = new ToolResultCap(TOKENIZER, 3);
    ToolResultCap.Capped capped = cap.apply("你好");
    assertThat(capped.originalTokens()).isEqualTo(7);
    assertThat(capped.text()).isEqualTo("\n[truncated: 7 tokens, showing the first 3]");
    assertThatThrownBy(() -> new ToolResultCap(TOKENIZER, 0)).hasMessageContaining("maxTokens must be >= 1");
  }
}
