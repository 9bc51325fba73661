package io.fathom.orchestrator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.orchestrator.context.TestTokenizer;
import io.fathom.orchestrator.events.EventData;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DeltaCoalescerTest {

  private final AtomicLong now = new AtomicLong();
  private final List<EventData.ModelDelta> out = new ArrayList<>();
  private final DeltaCoalescer coalescer = new DeltaCoalescer(3, out::add, now::get, 100);

  @Test
  void textIsHeldUntilTheIntervalPassesThenSentTogether() {
    coalescer.text("let me ", null);
    now.addAndGet(50);
    coalescer.text("think", null);
    assertThat(out).isEmpty();
    now.addAndGet(60);
    coalescer.text(null, "Hi");
    assertThat(out).containsExactly(new EventData.ModelDelta(3, "let me think", "Hi"));
    coalescer.text(null, " there");
    coalescer.finish();
    assertThat(out).hasSize(2);
    assertThat(out.get(1)).isEqualTo(new EventData.ModelDelta(3, null, " there"));
    coalescer.finish(); // nothing gathered: nothing sent
    assertThat(out).hasSize(2);
  }

  @Test
  void aLongPieceGoesOutAtOnceWhateverTheClock() {
    coalescer.text("x".repeat(DeltaCoalescer.MAX_CHARS), null);
    assertThat(out).hasSize(1);
    assertThat(out.getFirst().reasoning()).hasSize(DeltaCoalescer.MAX_CHARS);
  }

  @Test
  void tokensAreDecodedWholeAndSplitIntoReasoningAndContentWithoutTheToolCall() {
    HfTokenizer tokenizer = TestTokenizer.build(List.of("get_weather", "city"));
    String generated = "<think>\nplan é😀\n</think>\n\nok<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>";
    int[] ids = tokenizer.encode(generated);
    Consumer<int[]> feed = coalescer.tokens(tokenizer, Set.of("get_weather"));
    for (int id : ids) { // one id at a time, as a stream gives them: multi-byte characters come in pieces
      feed.accept(new int[] {id});
      now.addAndGet(30);
    }
    coalescer.finish();
    String reasoning = out.stream().map(d -> d.reasoning() == null ? "" : d.reasoning()).reduce("", String::concat);
    String content = out.stream().map(d -> d.content() == null ? "" : d.content()).reduce("", String::concat);
    assertThat(reasoning).isEqualTo("plan é😀");
    assertThat(content.strip()).isEqualTo("ok");
    assertThat(String.join("", out.stream().map(String::valueOf).toList())).doesNotContain("get_weather").doesNotContain("\uFFFD");
    // Coalesced: fewer deltas than ids.
    assertThat(out.size()).isLessThan(ids.length / 2);
  }
}
