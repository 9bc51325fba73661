package io.fathom.worker.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.runtime.FinishReason;
import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.worker.model.SyntheticTokenizer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A generation's text: stop tokens' text, stop strings, and vLLM's stop_reason. */
class GeneratedTextTest {

  private static final int VOCAB = 1000;
  private static HfTokenizer tokenizer;
  private static int eos;
  private static int extraStop;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = HfTokenizer.load(new ByteArrayInputStream(SyntheticTokenizer.json(VOCAB).getBytes(StandardCharsets.UTF_8)));
    eos = tokenizer.tokenToId("<|im_end|>").orElseThrow();
    extraStop = tokenizer.tokenToId("<think>").orElseThrow();
  }

  private static GeneratedText text(List<String> stops, boolean keepStopText, boolean ignoreEos) {
    return new GeneratedText(new OutputDecoder(tokenizer, false, new int[0]), new StopStrings(stops, keepStopText),
        List.of(eos, extraStop), keepStopText, id -> !ignoreEos && id == eos);
  }

  private static String run(GeneratedText text, String words, int last, FinishReason reason) {
    StringBuilder out = new StringBuilder();
    int[] ids = tokenizer.encode(words);
    for (int id : ids) {
      String piece = text.accept(id);
      if (piece == null) {
        return out.toString();
      }
      out.append(piece);
    }
    if (last >= 0) {
      String piece = text.accept(last);
      if (piece == null) {
        return out.toString();
      }
      out.append(piece);
    }
    return out.append(text.finish(reason)).toString();
  }

  @Test
  void endingOnTheModelsOwnEndGivesNoStopReason() {
    GeneratedText text = text(List.of(), false, false);
    assertThat(run(text, "hello world", eos, FinishReason.STOP)).isEqualTo("hello world");
    assertThat(text.stopString()).isNull();
    assertThat(text.stopTokenId()).isEqualTo(-1);
    assertThat(text.tokens()).endsWith(eos);
  }

  @Test
  void aRequestedStopTokenIsTheStopReasonAndItsTextIsLeftOut() {
    GeneratedText text = text(List.of(), false, false);
    assertThat(run(text, "hello world", extraStop, FinishReason.STOP)).isEqualTo("hello world");
    assertThat(text.stopTokenId()).isEqualTo(extraStop);
    GeneratedText kept = text(List.of(), true, false);
    assertThat(run(kept, "hello world", extraStop, FinishReason.STOP)).isEqualTo("hello world<think>");
    assertThat(kept.stopTokenId()).isEqualTo(extraStop);
  }

  @Test
  void withIgnoreEosTheEndTokenIsAStopTokenLikeAnyOther() {
    GeneratedText text = text(List.of(), false, true);
    run(text, "hello", eos, FinishReason.STOP);
    assertThat(text.stopTokenId()).isEqualTo(eos);
  }

  @Test
  void aLengthLimitGivesNoStopReason() {
    GeneratedText text = text(List.of(), false, false);
    assertThat(run(text, "hello world", extraStop, FinishReason.LENGTH)).isEqualTo("hello world");
    assertThat(text.stopTokenId()).isEqualTo(-1);
  }

  @Test
  void aStopStringEndsTheTextAndIsTheStopReason() {
    GeneratedText text = text(List.of("wor"), false, false);
    assertThat(run(text, "hello world and more", -1, FinishReason.STOP)).isEqualTo("hello ");
    assertThat(text.stoppedByString()).isTrue();
    assertThat(text.stopString()).isEqualTo("wor");
    assertThat(text.accept(5)).isNull();
    assertThat(text.finish(FinishReason.STOP)).isEmpty();
    assertThat(text.stopTokenId()).isEqualTo(-1);
    GeneratedText kept = text(List.of("wor"), true, false);
    assertThat(run(kept, "hello world", -1, FinishReason.STOP)).isEqualTo("hello wor");
  }

  @Test
  void heldBackTextIsReleasedAtTheEnd() {
    GeneratedText text = text(List.of("hello there"), false, false);
    assertThat(run(text, "say hello", -1, FinishReason.LENGTH)).isEqualTo("say hello");
    assertThat(text.stoppedByString()).isFalse();
  }
}
