package io.fathom.orchestrator.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Round metrics: the orchestrator's own time per round (the round's wall time less the model call
 * and the tool calls: checkpoints, request building, parsing, scheduling), by round range so that
 * growth over a long job shows, and counts of rounds and jobs.
 */
@Component
public class RoundMetrics {

  private final Timer[] overhead;
  private final Counter rounds;

  public RoundMetrics(MeterRegistry registry) {
    String[] ranges = {"1-9", "10-99", "100-499", "500+"};
    overhead = new Timer[ranges.length];
    for (int i = 0; i < ranges.length; i++) {
      overhead[i] =
          Timer.builder("fathom.round.overhead")
              .description("Orchestrator time per round, excluding model and tool time")
              .tag("rounds", ranges[i])
              .publishPercentiles(0.5, 0.99)
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(1).dividedBy(10))
              .maximumExpectedValue(Duration.ofSeconds(10))
              .register(registry);
    }
    rounds = Counter.builder("fathom.rounds").description("Rounds completed").register(registry);
  }

  void roundDone(int round, long overheadNanos) {
    int i = round < 10 ? 0 : round < 100 ? 1 : round < 500 ? 2 : 3;
    overhead[i].record(Math.max(0, overheadNanos), java.util.concurrent.TimeUnit.NANOSECONDS);
    rounds.increment();
  }
}
