package io.fathom.tools.functions;

import java.time.Duration;

/**
 * How webhook calls are made.
 *
 * @param timeout per attempt
 * @param maxAttempts attempts in all, retried on time-outs, connection failures and 5xx answers
 * @param backoff the first wait between attempts, doubled each time
 * @param maxResponseBytes a longer response body is an error
 * @param maxResultChars the result text the model sees is truncated past this, with a note
 */
public record WebhookSettings(
    Duration timeout, int maxAttempts, Duration backoff, int maxResponseBytes, int maxResultChars) {

  public static WebhookSettings defaults() {
    return new WebhookSettings(Duration.ofSeconds(30), 3, Duration.ofMillis(200), 1 << 20, 32_768);
  }
}
