package io.fathom.api;

import io.fathom.orchestrator.run.JobScheduler;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code GET /health}: open to all; says this replica is up and what it runs. */
@RestController
public class HealthController {

  private final JobScheduler scheduler;

  public HealthController(JobScheduler scheduler) {
    this.scheduler = scheduler;
  }

  @GetMapping("/health")
  public Mono<Map<String, Object>> health() {
    return Mono.just(Map.of("status", "UP", "instance", scheduler.instanceId(), "active_jobs", scheduler.activeJobs()));
  }
}
