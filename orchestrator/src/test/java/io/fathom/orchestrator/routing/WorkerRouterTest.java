package io.fathom.orchestrator.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WorkerRouterTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final WorkerRouter router = new WorkerRouter(List.of("http://a/v1", "http://b/v1/", "http://c/v1"), meters, now::get);

  @Test
  void aJobKeepsItsServerWhileNewJobsGoToTheLeastLoaded() {
    UUID one = UUID.randomUUID();
    String first = router.pick(one);
    router.started(first);
    UUID two = UUID.randomUUID();
    String second = router.pick(two);
    router.started(second);
    String third = router.pick(UUID.randomUUID());
    assertThat(List.of(first, second, third)).doesNotHaveDuplicates().contains("http://b/v1"); // trailing slash trimmed
    // The first job stays put, although its server is as loaded as the others.
    router.started(third);
    router.started(first);
    assertThat(router.pick(one)).isEqualTo(first);
    assertThat(router.pick(one)).isEqualTo(first);
    assertThat(meters.counter("fathom.routing.moves").count()).isZero();
  }

  @Test
  void aFailedServerIsAvoidedForACoolDownAndItsJobsMove() {
    UUID job = UUID.randomUUID();
    String home = router.pick(job);
    router.started(home);
    router.finished(home, true);
    String next = router.pick(job);
    assertThat(next).isNotEqualTo(home);
    assertThat(meters.counter("fathom.routing.moves").count()).isEqualTo(1);
    // A new job avoids it too, until the cool-down is over.
    for (int i = 0; i < 5; i++) {
      assertThat(router.pick(UUID.randomUUID())).isNotEqualTo(home);
    }
    now.addAndGet(WorkerRouter.COOL_DOWN.toNanos() + 1);
    // Back after the cool-down: with the others busier, a new job goes there.
    for (String s : List.of("http://a/v1", "http://b/v1", "http://c/v1")) {
      if (!s.equals(home)) {
        router.started(s);
      }
    }
    assertThat(router.pick(UUID.randomUUID())).isEqualTo(home);
  }

  @Test
  void repeatedFailuresLengthenTheCoolDownAndWhenAllAreDownTheFirstBackIsTried() {
    for (String s : List.of("http://a/v1", "http://b/v1", "http://c/v1")) {
      router.started(s);
      router.finished(s, true);
    }
    router.started("http://b/v1");
    router.finished("http://b/v1", true); // b: second failure, twice as long
    String pick = router.pick(UUID.randomUUID());
    assertThat(pick).isIn("http://a/v1", "http://c/v1");
    now.addAndGet(WorkerRouter.COOL_DOWN.toNanos() + 1);
    UUID job = UUID.randomUUID();
    assertThat(router.pick(job)).isNotEqualTo("http://b/v1"); // a and c are back, b is not
    now.addAndGet(Duration.ofSeconds(3).toNanos());
    router.started("http://a/v1");
    router.started("http://c/v1");
    assertThat(router.pick(UUID.randomUUID())).isEqualTo("http://b/v1"); // back, and the least loaded
  }

  @Test
  void prefixCacheFiguresAreCounted() {
    router.promptServed(1000, 900);
    router.promptServed(500, 0);
    router.promptServed(10, 50); // a server cannot cache more than the prompt
    assertThat(meters.counter("fathom.prefix.prompt_tokens").count()).isEqualTo(1510);
    assertThat(meters.counter("fathom.prefix.cached_tokens").count()).isEqualTo(910);
  }
}
