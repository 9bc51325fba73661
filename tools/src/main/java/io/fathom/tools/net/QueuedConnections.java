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
    ConnectionProvider connections =
        ConnectionProvider.builder(name)
            .maxConnections(maxConnections)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(Duration.ofMinutes(10))
            .maxIdleTime(Duration.ofSeconds(20))
            .build();
    return new ReactorClientHttpConnector(HttpClient.create(connections));
  }
}
