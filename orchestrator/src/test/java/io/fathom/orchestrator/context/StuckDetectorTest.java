package io.fathom.orchestrator.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.orchestrator.context.StuckDetector.Observation;
import io.fathom.orchestrator.context.StuckDetector.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StuckDetectorTest {

  private static Observation search(String args, String result) {
    return new Observation("search", args, result, false);
  }

  @Test
  void theSameCallWithTheSameResultIsNudgedAtTheLimitAndStoppedAfter() {
    StuckDetector d = new StuckDetector(3, 2);

    assertThat(d.observe(search("{\"q\": \"x\"}", "r"))).isInstanceOf(Verdict.Continue.class);
    assertThat(d.observe(search("{\"q\":\"x\"}", "r"))).isInstanceOf(Verdict.Continue.class);
    Verdict third = d.observe(search(" {\"q\" :\n\"x\"} ", "r"));
    assertThat(third).isEqualTo(new Verdict.Nudge(
        "[note: the call search {\"q\":\"x\"} has returned the same result 3 times. Repeating it will not give new"
            + " information: change the arguments, use another tool, or give your final answer. If it happens again,"
            + " the task ends here.]",
        3));
    assertThat(((Verdict.Nudge) third).appendTo("r")).startsWith("r\n\n[note: the call search");
    Verdict fourth = d.observe(search("{\"q\":\"x\"}", "r"));
    assertThat(fourth).isEqualTo(new Verdict.Stop(
        "stuck: the call search {\"q\":\"x\"} has returned the same result 4 times, after a note telling the model it"
            + " was repeating itself",
        4));
  }

  @Test
  void aDifferentResultOrDifferentArgumentsAreADifferentCall() {
    StuckDetector d = new StuckDetector(2, 2);
    assertThat(d.observe(search("{\"q\":\"x\"}", "r1"))).isInstanceOf(Verdict.Continue.class);
    assertThat(d.observe(search("{\"q\":\"x\"}", "r2"))).isInstanceOf(Verdict.Continue.class);
    assertThat(d.observe(search("{\"q\":\"y\"}", "r1"))).isInstanceOf(Verdict.Continue.class);
    assertThat(d.observe(new Observation("visit", "{\"q\":\"x\"}", "r1", false))).isInstanceOf(Verdict.Continue.class);
    assertThat(d.observe(search("{\"q\":\"x\"}", "r1"))).isInstanceOf(Verdict.Nudge.class);
  }

  @Test
  void repetitionsNeedNotBeConsecutive() {
    StuckDetector d = new StuckDetector(2, 5);
    d.observe(search("{\"a\":1,\"b\":[1,{\"d\":2,\"c\":3}]}", "r"));
    d.observe(search("{\"q\":\"other\"}", "s"));
    assertThat(d.observe(search("{\"b\":[1,{\"c\":3,\"d\":2}],\"a\":1}", "r"))).isInstanceOf(Verdict.Nudge.class);
  }

  @Test
  void theSameErrorFromAToolIsCountedWhateverTheArguments() {
    StuckDetector d = new StuckDetector(10, 2);
    assertThat(d.observe(new Observation("search", "{\"q\":1}", "Error: timeout", true))).isInstanceOf(Verdict.Continue.class);
    Verdict second = d.observe(new Observation("search", "{\"q\":2}", "Error: timeout", true));
    assertThat(second).isInstanceOf(Verdict.Nudge.class);
    assertThat(((Verdict.Nudge) second).note()).startsWith("[note: the tool search has returned the same error 2 times.");
    assertThat(d.observe(new Observation("visit", "{}", "Error: timeout", true))).isInstanceOf(Verdict.Continue.class);
    assertThat(d.observe(new Observation("search", "{\"q\":3}", "Error: timeout", true)))
        .isEqualTo(new Verdict.Stop(
            "stuck: the tool search has returned the same error 3 times, after a note telling the model it was repeating"
                + " itself",
            3));
  }

  @Test
  void anErrorAndASuccessWithTheSameTextAreCountedApart() {
    StuckDetector d = new StuckDetector(2, 2);
    d.observe(new Observation("search", "{}", "same", true));
    assertThat(d.observe(new Observation("search", "{}", "same", false))).isInstanceOf(Verdict.Continue.class);
  }

  @Test
  void aLimitOfOneNudgesAtOnce() {
    StuckDetector d = new StuckDetector(1, 1);
    assertThat(d.observe(search("{}", "r"))).isInstanceOf(Verdict.Nudge.class);
    assertThat(d.observe(search("{}", "r"))).isInstanceOf(Verdict.Stop.class);
    assertThatThrownBy(() -> new StuckDetector(0, 1)).hasMessageContaining("limits must be >= 1");
  }

  @Test
  void argumentsThatAreNotJsonAreComparedAsStrippedText() {
    StuckDetector d = new StuckDetector(2, 2);
    assertThat(d.canonicalArguments(" search paris ")).isEqualTo("search paris");
    assertThat(d.canonicalArguments("{\"a\": 1.50, \"b\": null, \"c\": \"é\"}")).isEqualTo("{\"a\":1.5,\"b\":null,\"c\":\"é\"}");
    d.observe(search("{broken", "r"));
    assertThat(d.observe(search(" {broken", "r"))).isInstanceOf(Verdict.Nudge.class);
  }

  @Test
  void restoreReplaysTheStoredCalls() {
    List<Observation> history = new ArrayList<>();
    history.add(search("{\"q\":\"x\"}", "r"));
    history.add(new Observation("search", "{}", "Error: e", true));
    history.add(search("{\"q\":\"x\"}", "r"));

    StuckDetector restored = StuckDetector.restore(3, 2, history);
    StuckDetector live = new StuckDetector(3, 2);
    history.forEach(live::observe);

    Observation next = search("{\"q\":\"x\"}", "r");
    assertThat(restored.observe(next)).isEqualTo(live.observe(next)).isInstanceOf(Verdict.Nudge.class);
    Observation error = new Observation("search", "{}", "Error: e", true);
    assertThat(restored.observe(error)).isEqualTo(live.observe(error)).isInstanceOf(Verdict.Nudge.class);
  }
}
