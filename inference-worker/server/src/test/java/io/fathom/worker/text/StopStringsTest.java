package io.fathom.worker.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {

  @Test
  void holdsBackWhatMayStartAStopAndCutsAtIt() {
    StopStrings s = new StopStrings(List.of("STOP", "\n\n"), false);
    assertThat(s.feed("abc S").text()).isEqualTo("abc ");
    assertThat(s.feed("T").text()).isEmpty();
    assertThat(s.feed("x").text()).isEqualTo("STx");
    StopStrings.Result r = s.feed("yST");
    assertThat(r.text()).isEqualTo("y");
    r = s.feed("OP and more");
    assertThat(r.stopped()).isTrue();
    assertThat(r.stop()).isEqualTo("STOP");
    assertThat(r.text()).isEmpty();
    assertThat(s.feed("more").text()).isEmpty();
    assertThat(s.flush()).isEmpty();
  }

  @Test
  void earliestStopWinsAndMayBeKept() {
    StopStrings s = new StopStrings(List.of("END", "\n"), true);
    StopStrings.Result r = s.feed("a\nbEND");
    assertThat(r.stop()).isEqualTo("\n");
    assertThat(r.text()).isEqualTo("a\n");
  }

  @Test
  void withoutStopsEverythingPasses() {
    StopStrings s = new StopStrings(List.of(), false);
    assertThat(s.feed("x").text()).isEqualTo("x");
    StopStrings t = new StopStrings(List.of("xyz"), false);
    t.feed("ab x");
    assertThat(t.flush()).isEqualTo("x");
  }
}
