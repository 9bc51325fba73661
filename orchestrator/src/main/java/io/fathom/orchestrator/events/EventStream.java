package io.fathom.orchestrator.events;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A job's events after a given seq: first what is stored, then live as they commit, on any
 * replica (hints come by NOTIFY, the events themselves from the store, so the order is the seq
 * order with no gap and no duplicate). Ends after the terminal event.
 */
@Component
public class EventStream {

  private static final int PAGE = 500;
  private static final java.time.Duration RECHECK = java.time.Duration.ofSeconds(2);

  private final EventLog log;
  private final Notifications notifications;

  public EventStream(EventLog log, Notifications notifications) {
    this.log = log;
    this.notifications = notifications;
  }

  /**
   * @param finishedAt the job's last seq when it has already ended, else -1: a stream past the
   *     end completes at once
   */
  public Flux<JobEvent> after(UUID jobId, long after, long finishedAt) {
    if (finishedAt >= 0 && after >= finishedAt) {
      return Flux.empty();
    }
    return Flux.defer(
        () -> {
          AtomicLong last = new AtomicLong(after);
          // Subscribe to hints first, then read: an event committed meanwhile is not missed.
          // A slow re-check backs up the hints, which are best effort.
          return Flux.merge(notifications.eventHints(jobId), Mono.just(-1L), Flux.interval(RECHECK).map(t -> -1L))
              .onBackpressureLatest()
              .concatMap(hint -> hint >= 0 && hint <= last.get() ? Flux.<JobEvent>empty() : drain(jobId, last))
              .takeUntil(e -> e.type().isTerminal());
        });
  }

  private Flux<JobEvent> drain(UUID jobId, AtomicLong last) {
    return Flux.defer(() -> log.after(jobId, last.get(), PAGE))
        .doOnNext(e -> last.set(e.seq()))
        .collectList()
        .flatMapMany(page -> page.size() < PAGE ? Flux.fromIterable(page) : Flux.fromIterable(page).concatWith(drain(jobId, last)));
  }
}
