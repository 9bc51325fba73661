package io.fathom.tools.net;

import java.time.Duration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * An HTTP connector for outbound calls made by thousands of jobs at once: a bounded pool whose
 * waiters queue (bounded only by the callers' own time-outs) instead of failing when it is busy.
 */
public final class QueuedConnections {

  private QueuedConnections() {}

  public static ReactorClientHttpConnector connector(String name, int maxConnections) {
    return new ReactorClientHttpConnector(HttpClient.create(pool(name, maxConnections)));
  }

  /**
   * The same, connecting only to addresses {@code resolver} gives (a {@link GuardedResolverGroup}: every
   * address checked by the outbound policy at connect time, so DNS rebinding after the first check fails).
   */
  public static ReactorClientHttpConnector connector(
      String name, int maxConnections, io.netty.resolver.AddressResolverGroup<?> resolver) {
    return new ReactorClientHttpConnector(HttpClient.create(pool(name, maxConnections)).resolver(resolver));
  }

  private static ConnectionProvider pool(String name, int maxConnections) {
    ConnectionProvider connections =
        ConnectionProvider.builder(name)
            .maxConnections(maxConnections)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(Duration.ofMinutes(10))
            .maxIdleTime(Duration.ofSeconds(20))
            .build();
    return connections;
  }
}
