package io.fathom.tools.functions;

import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolOutputLimiter;
import io.fathom.tools.Breakers;
import io.fathom.tools.ToolResult;
import io.fathom.tools.net.AddressGuard;
import io.fathom.tools.net.GuardedResolverGroup;
import io.fathom.tools.net.HostResolver;
import io.fathom.tools.net.OutboundPolicy;
import io.fathom.tools.net.QueuedConnections;
import io.fathom.tools.net.UnresolvedHostException;
import io.fathom.tools.net.RefusedAddressException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * Calls function webhooks: the validated arguments are POSTed as JSON; the response body is the
 * tool result. Each attempt has a time-out; time-outs, connection failures and 5xx answers are
 * retried with exponential backoff; a circuit breaker per function stops calling a webhook that
 * keeps failing. Every failure becomes a {@link ToolResult.Failure}, never an error signal.
 */
public final class WebhookInvoker {

  private final WebClient webClient;
  private final OutboundPolicy policy;
  private final AddressGuard guard;
  private final WebhookSettings settings;
  private final CircuitBreakerRegistry breakers;
  private final RetryConfig retryConfig;
  private final ToolOutputLimiter limiter;

  public WebhookInvoker(WebClient.Builder builder, OutboundPolicy policy, WebhookSettings settings) {
    this(builder, policy, settings, HostResolver.system());
  }

  /**
   * With {@code resolver} for host names (tests). Hosts are resolved and checked before each attempt, and the
   * connection is opened only to addresses the policy permits at connect time ({@link GuardedResolverGroup}), so
   * DNS that changes its answer in between (rebinding) cannot reach a private address.
   */
  WebhookInvoker(WebClient.Builder builder, OutboundPolicy policy, WebhookSettings settings, HostResolver resolver) {
    this.policy = policy;
    this.guard = new AddressGuard(policy, resolver, Schedulers.boundedElastic());
    this.webClient =
        builder
            .clone()
            .clientConnector(QueuedConnections.connector("fathom-webhooks", 512, new GuardedResolverGroup(guard)))
            .codecs(c -> c.defaultCodecs().maxInMemorySize(settings.maxResponseBytes()))
            .build();
    this.settings = settings;
    this.limiter = new ToolOutputLimiter(settings.maxResultChars());
    this.breakers =
        CircuitBreakerRegistry.of(Breakers.defaults().recordException(WebhookInvoker::isTransient).build());
    this.retryConfig =
        RetryConfig.custom()
            .maxAttempts(settings.maxAttempts())
            .intervalFunction(IntervalFunction.ofExponentialBackoff(settings.backoff(), 2.0))
            .retryOnException(WebhookInvoker::isTransient)
            .build();
  }

  /** POSTs {@code arguments} to the function's webhook; never errors. */
  public Mono<ToolResult> invoke(
      String tenant, FunctionDefinition function, JsonNode arguments, ToolContext context) {
    CircuitBreaker breaker = breakers.circuitBreaker(tenant + "/" + function.name());
    Retry retry = Retry.of(tenant + "/" + function.name(), retryConfig);
    byte[] body = arguments.toString().getBytes(StandardCharsets.UTF_8);
    Mono<String> attempt =
        Mono.fromRunnable(() -> policy.checkSyntax(function.url()))
            .then(guard.check(function.url()))
            .then(
                webClient
                    .post()
                    .uri(function.url())
                    .contentType(MediaType.APPLICATION_JSON)
                    .header("Idempotency-Key", context.jobId() + ":" + context.callId())
                    .header("X-Fathom-Job", context.jobId().toString())
                    .header("X-Fathom-Function", function.name())
                    .bodyValue(body)
                    .exchangeToMono(
                        response -> {
                          int status = response.statusCode().value();
                          Mono<String> text = response.bodyToMono(String.class).defaultIfEmpty("");
                          if (status >= 500) {
                            return text.then(Mono.error(new WebhookStatusException(status, true)));
                          }
                          if (status >= 300) {
                            return text.flatMap(
                                t -> Mono.error(new WebhookStatusException(status, false, t)));
                          }
                          return text;
                        }))
            .timeout(settings.timeout());
    Mono<String> call =
        attempt.transformDeferred(CircuitBreakerOperator.of(breaker)).transformDeferred(RetryOperator.of(retry));
    if (context.deadline() != null) {
      // Retries never run past the job's deadline.
      Duration left = Duration.between(java.time.Instant.now(), context.deadline());
      call = call.timeout(left.isNegative() ? Duration.ZERO : left);
    }
    return call
        .<ToolResult>map(text -> ToolResult.Success.of(limiter.limit(text)))
        .onErrorResume(e -> Mono.just(toFailure(function, e)));
  }

  private ToolResult.Failure toFailure(FunctionDefinition function, Throwable e) {
    String where = "webhook of function '" + function.name() + "'";
    return switch (e) {
      case RefusedAddressException r -> ToolResult.failure("webhook_refused", where + ": " + r.getMessage());
      case UnresolvedHostException u -> ToolResult.failure("webhook_refused", where + ": " + u.getMessage());
      case CallNotPermittedException c ->
          ToolResult.failure("circuit_open", where + " failed repeatedly; calls are paused for a while");
      case TimeoutException t ->
          ToolResult.failure(
              "timeout", where + " did not answer within " + settings.timeout().toMillis() + " ms ("
                  + settings.maxAttempts() + " attempts)");
      case WebhookStatusException s when s.retryable() ->
          ToolResult.failure(
              "webhook_error", where + " answered HTTP " + s.status() + " (" + settings.maxAttempts()
                  + " attempts)");
      case WebhookStatusException s ->
          ToolResult.failure(
              "webhook_rejected", where + " answered HTTP " + s.status() + ": " + limiter.limit(s.body()));
      case DataBufferLimitException d ->
          ToolResult.failure(
              "response_too_large", where + " answered more than " + settings.maxResponseBytes() + " bytes");
      case WebClientRequestException w when cause(w, RefusedAddressException.class) != null ->
          ToolResult.failure("webhook_refused", where + ": " + cause(w, RefusedAddressException.class).getMessage());
      case WebClientRequestException w ->
          ToolResult.failure("unreachable", where + " could not be reached: " + w.getMostSpecificCause().getMessage());
      default -> ToolResult.failure("webhook_failed", where + " failed: " + e);
    };
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static boolean isTransient(Throwable e) {
    return e instanceof TimeoutException
        || (e instanceof WebClientRequestException w && cause(w, RefusedAddressException.class) == null)
        || (e instanceof WebhookStatusException s && s.retryable());
  }

  /** A non-2xx answer. */
  static final class WebhookStatusException extends RuntimeException {
    private final int status;
    private final boolean retryable;
    private final String body;

    WebhookStatusException(int status, boolean retryable) {
      this(status, retryable, "");
    }

    WebhookStatusException(int status, boolean retryable, String body) {
      super("HTTP " + status, null, false, false);
      this.status = status;
      this.retryable = retryable;
      this.body = body;
    }

    int status() {
      return status;
    }

    boolean retryable() {
      return retryable;
    }

    String body() {
      return body;
    }
  }
}
