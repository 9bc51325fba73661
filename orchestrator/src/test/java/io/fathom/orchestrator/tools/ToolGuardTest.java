package io.fathom.orchestrator.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.tools.ToolResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class ToolGuardTest {

  private final ToolGuard guard =
      new ToolGuard(new FathomProperties.Tools(Duration.ofMillis(300), 2, 3, Duration.ofMillis(10), "/tmp/unused", Duration.ofSeconds(1)));

  private static String code(ToolResult r) {
    return r instanceof ToolResult.Failure f ? f.code() : "ok";
  }

  @Test
  void aCallThatNeverAnswersTimesOutAsAToolError() {
    ToolResult r = guard.guard("t/slow", false, Mono.never()).block(Duration.ofSeconds(5));
    assertThat(code(r)).isEqualTo("tool_timeout");
  }

  @Test
  void onlyIdempotentToolsAreRetried() {
    AtomicInteger idempotentAttempts = new AtomicInteger();
    Mono<ToolResult> flaky =
        Mono.defer(() -> idempotentAttempts.incrementAndGet() < 3
            ? Mono.error(new IllegalStateException("boom"))
            : Mono.just(ToolResult.Success.of("fine")));
    assertThat(code(guard.guard("t/flaky", true, flaky).block())).isEqualTo("ok");
    assertThat(idempotentAttempts).hasValue(3);

    AtomicInteger once = new AtomicInteger();
    Mono<ToolResult> failing = Mono.defer(() -> {
      once.incrementAndGet();
      return Mono.error(new IllegalStateException("boom"));
    });
    ToolResult r = guard.guard("t/side-effects", false, failing).block();
    assertThat(code(r)).isEqualTo("tool_error");
    assertThat(((ToolResult.Failure) r).message()).contains("boom");
    assertThat(once).hasValue(1);
  }

  @Test
  void theBulkheadRefusesCallsBeyondTheLimitOfOneTool() {
    Mono<ToolResult> slow = Mono.delay(Duration.ofMillis(150)).thenReturn(ToolResult.Success.of("done"));
    List<String> codes =
        Flux.range(0, 3).flatMap(i -> guard.guard("t/busy", false, slow)).map(ToolGuardTest::code).collectList().block();
    assertThat(codes).containsExactlyInAnyOrder("ok", "ok", "tool_busy");
    // Another tool has its own bulkhead.
    assertThat(code(guard.guard("t/other", false, slow).block())).isEqualTo("ok");
  }

  @Test
  void aToolThatKeepsThrowingHasItsCircuitOpened() {
    for (int i = 0; i < 10; i++) {
      guard.guard("t/broken", false, Mono.error(new IllegalStateException("down"))).block();
    }
    AtomicInteger reached = new AtomicInteger();
    ToolResult r = guard.guard("t/broken", false, Mono.fromCallable(() -> {
      reached.incrementAndGet();
      return ToolResult.Success.of("x");
    })).block();
    assertThat(code(r)).isEqualTo("circuit_open");
    assertThat(reached).hasValue(0);
  }
}
