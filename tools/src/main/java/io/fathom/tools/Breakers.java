package io.fathom.tools;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;

/** The circuit breaker every tool guard starts from: open at half the last 20 calls failing (after 10), for 30 s. */
public final class Breakers {

  private Breakers() {}

  /** A builder with Fathom's defaults; callers add what counts as a failure. */
  public static CircuitBreakerConfig.Builder defaults() {
    return CircuitBreakerConfig.custom()
        .slidingWindowSize(20)
        .minimumNumberOfCalls(10)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(30));
  }
}
