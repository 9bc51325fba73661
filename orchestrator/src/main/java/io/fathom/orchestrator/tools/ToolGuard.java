package io.fathom.orchestrator.tools;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.tools.Breakers;
import io.fathom.tools.ToolResult;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Runs every tool call under its tool's guards (Resilience4j): a bulkhead per tool (at most {@code
 * FATHOM_TOOL_MAX_CONCURRENT} calls of one tool at once on this replica; a call beyond is refused
 * at once), a circuit breaker per tool (opened by calls that throw or time out, not by error
 * results), a time-out per attempt ({@code FATHOM_TOOL_TIMEOUT}), and — for idempotent tools only —
 * retries with exponential backoff on time-outs, refusals and thrown errors. Whatever happens, the
 * caller gets a {@link ToolResult}: errors become results the model sees, never job failures.
 * Webhook functions keep their own retry and breaker for their HTTP calls beneath this.
 */
@Component
public class ToolGuard {

  private final BulkheadRegistry bulkheads;
  private final CircuitBreakerRegistry breakers;
  private final RetryConfig retry;
  private final Duration timeout;

  @Autowired
  public ToolGuard(FathomProperties properties) {
    this(properties.tools());
  }

  ToolGuard(FathomProperties.Tools t) {
    this.timeout = t.timeout();
    this.bulkheads =
        BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(t.maxConcurrent()).maxWaitDuration(Duration.ZERO).build());
    this.breakers =
        CircuitBreakerRegistry.of(Breakers.defaults().build());
    this.retry =
        RetryConfig.custom()
            .maxAttempts(Math.max(1, t.maxAttempts()))
            .intervalFunction(IntervalFunction.ofExponentialBackoff(t.backoff(), 2.0))
            .retryOnException(e -> !(e instanceof CallNotPermittedException))
            .build();
  }

  /**
   * {@code call} guarded for the tool named {@code key} (a tenant's function is keyed by tenant and
   * name); {@code idempotent} allows retries.
   */
  public Mono<ToolResult> guard(String key, boolean idempotent, Mono<ToolResult> call) {
    Bulkhead bulkhead = bulkheads.bulkhead(key);
    Mono<ToolResult> attempt =
        call.timeout(timeout)
            .transformDeferred(CircuitBreakerOperator.of(breakers.circuitBreaker(key)))
            .transformDeferred(BulkheadOperator.of(bulkhead));
    if (idempotent) {
      attempt = attempt.transformDeferred(RetryOperator.of(Retry.of(key, retry)));
    }
    return attempt.onErrorResume(e -> Mono.just(failure(key, e)));
  }

  private ToolResult failure(String key, Throwable e) {
    return switch (e) {
      case TimeoutException t -> ToolResult.failure("tool_timeout", "the tool did not answer within " + timeout.toSeconds() + " s");
      case BulkheadFullException b ->
          ToolResult.failure("tool_busy", "the tool has too many calls running; call it again later");
      case CallNotPermittedException c ->
          ToolResult.failure("circuit_open", "the tool failed repeatedly; its calls are paused for a while");
      default -> ToolResult.failure("tool_error", "the tool failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    };
  }
}
