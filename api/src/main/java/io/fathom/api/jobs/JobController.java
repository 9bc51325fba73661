package io.fathom.api.jobs;

import io.fathom.api.auth.Tenant;
import io.fathom.api.errors.ApiException;
import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.events.EventLog;
import io.fathom.orchestrator.events.Notifications;
import io.fathom.orchestrator.events.EventStream;
import io.fathom.orchestrator.events.EventType;
import io.fathom.orchestrator.jobs.CancelOutcome;
import io.fathom.orchestrator.jobs.Job;
import io.fathom.orchestrator.jobs.JobSpec;
import io.fathom.orchestrator.jobs.JobStatus;
import io.fathom.orchestrator.jobs.JobStore;
import io.fathom.orchestrator.repos.RepositoryNotFoundException;
import io.fathom.orchestrator.repos.RepositoryStore;
import io.fathom.orchestrator.tools.ToolCatalog;
import java.util.List;
import java.util.UUID;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Jobs: submit, read, list, cancel, follow their events, read their trajectory. */
@RestController
@RequestMapping("/v1/jobs")
public class JobController {

  private final JobStore jobs;
  private final ToolCatalog tools;
  private final EventStream stream;
  private final EventLog events;
  private final JsonMapper json;
  private final FathomProperties properties;
  private final Notifications notifications;
  private final RepositoryStore repositories;

  public JobController(
      JobStore jobs, ToolCatalog tools, EventStream stream, EventLog events, JsonMapper json, FathomProperties properties,
      Notifications notifications, RepositoryStore repositories) {
    this.notifications = notifications;
    this.repositories = repositories;
    this.jobs = jobs;
    this.tools = tools;
    this.stream = stream;
    this.events = events;
    this.json = json;
    this.properties = properties;
  }

  /** Submits a job: 202 with the queued job; 200 with the existing job for a known idempotency key. */
  @Operation(summary = "Submit a job")
  @ApiResponse(responseCode = "202", description = "Queued")
  @ApiResponse(responseCode = "200", description = "An existing job with this idempotency_key")
  @ApiResponse(responseCode = "400", description = "A bad field, named", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "401", description = "No or bad API key", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "413", description = "Body over 2 MiB", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "415", description = "Not JSON", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public Mono<ResponseEntity<JobView>> submit(@RequestBody JobRequest request, ServerWebExchange exchange) {
    String tenant = Tenant.of(exchange);
    JobSpec spec = JobRequestValidator.validate(request);
    Mono<Void> repository =
        spec.repository() == null
            ? Mono.empty()
            : repositories
                .find(tenant, spec.repository())
                .onErrorMap(RepositoryNotFoundException.class, e -> ApiException.badRequest("repository", e.getMessage()))
                .then();
    return repository
        .then(tools.resolve(tenant, spec.tools()))
        .flatMap(defs -> jobs.submit(tenant, spec, defs))
        .map(
            s ->
                ResponseEntity.status(s.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
                    .header("Location", "/v1/jobs/" + s.job().id())
                    .header("Idempotent-Replayed", Boolean.toString(!s.created()))
                    .body(JobView.of(s.job())));
  }

  @Operation(summary = "A job")
  @ApiResponse(responseCode = "200", description = "The job")
  @ApiResponse(responseCode = "404", description = "No such job for this tenant", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping("/{id}")
  public Mono<JobView> get(@PathVariable String id, ServerWebExchange exchange) {
    return find(id, exchange).map(JobView::of);
  }

  /**
   * Newest first; {@code cursor} comes from the previous page's {@code next_cursor}. Tasks and
   * answers are cut to 1,000 characters here; {@code GET /v1/jobs/{id}} has them whole.
   */
  @Operation(summary = "List jobs, newest first")
  @ApiResponse(responseCode = "200", description = "A page")
  @ApiResponse(responseCode = "400", description = "A bad status, limit (1..100) or cursor", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping
  public Mono<JobListView> list(
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String limit,
      @RequestParam(required = false) String cursor,
      ServerWebExchange exchange) {
    JobStatus s = null;
    if (status != null) {
      try {
        s = JobStatus.fromWire(status);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("status", "must be one of queued, running, completed, failed, cancelled");
      }
    }
    int n = parseInt("limit", limit, 20, 1, 100);
    return jobs.list(Tenant.of(exchange), s, n, cursor)
        .map(page -> new JobListView(page.jobs().stream().map(JobView::preview).toList(), page.nextCursor()));
  }

  /** 200 with the job when cancelled or cancelling; 409 when it had already finished. */
  @Operation(summary = "Cancel a job")
  @ApiResponse(responseCode = "200", description = "Was queued: cancelled, it never starts")
  @ApiResponse(responseCode = "202", description = "Is running: it stops within a second")
  @ApiResponse(responseCode = "404", description = "No such job for this tenant", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "409", description = "Already finished", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @PostMapping("/{id}/cancel")
  public Mono<ResponseEntity<JobView>> cancel(@PathVariable String id, ServerWebExchange exchange) {
    return jobs.cancel(Tenant.of(exchange), parseId(id))
        .map(
            outcome ->
                switch (outcome) {
                  case CancelOutcome.Cancelled c -> ResponseEntity.ok(JobView.of(c.job()));
                  case CancelOutcome.Requested r -> ResponseEntity.status(HttpStatus.ACCEPTED).body(JobView.of(r.job()));
                  case CancelOutcome.AlreadyFinished f ->
                      throw new ApiException(HttpStatus.CONFLICT, "job " + id + " has already " + f.job().status().wire());
                  case CancelOutcome.NotFound n -> throw ApiException.notFound("job " + id);
                });
  }

  /**
   * The job's events as server-sent events: {@code id} is the seq, {@code event} the type, {@code
   * data} JSON. Resumes after {@code Last-Event-ID} or {@code ?after=}; ends after the terminal
   * event.
   */
  @Operation(summary = "Follow a job's events (SSE); resume with Last-Event-ID or ?after=")
  @ApiResponse(responseCode = "200", description = "The event stream")
  @ApiResponse(responseCode = "400", description = "A bad Last-Event-ID or after", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "404", description = "No such job for this tenant", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public Flux<ServerSentEvent<String>> events(
      @PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(required = false) String after,
      ServerWebExchange exchange) {
    long from =
        lastEventId != null
            ? parseLong("Last-Event-ID", lastEventId)
            : after != null ? parseLong("after", after) : 0;
    return find(id, exchange)
        .flatMapMany(
            job -> {
              Flux<ServerSentEvent<String>> data =
                  stream
                      .after(job.id(), from, job.status().isTerminal() ? job.lastSeq() : -1)
                      .map(e -> ServerSentEvent.builder(e.json()).id(Long.toString(e.seq())).event(e.type().wire()).build());
              // Live model.delta events (not stored, no id) while the job runs.
              Flux<ServerSentEvent<String>> deltas =
                  job.status().isTerminal()
                      ? Flux.empty()
                      : notifications.deltas(job.id()).map(d -> ServerSentEvent.builder(d).event(EventType.MODEL_DELTA.wire()).build());
              return data.publish(
                  shared ->
                      Flux.merge(
                          shared,
                          deltas.takeUntilOther(shared.then()),
                          Flux.interval(properties.sseHeartbeat())
                              .map(t -> ServerSentEvent.<String>builder().comment("heartbeat").build())
                              .takeUntilOther(shared.then())));
            });
  }

  /** The whole transcript, round by round. */
  @Operation(summary = "A job's transcript, round by round")
  @ApiResponse(responseCode = "200", description = "The trajectory")
  @ApiResponse(responseCode = "404", description = "No such job for this tenant", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping("/{id}/trajectory")
  public Mono<Trajectory> trajectory(@PathVariable String id, ServerWebExchange exchange) {
    return find(id, exchange)
        .flatMap(
            job ->
                events.ofTypes(job.id(), List.of(EventType.MODEL_COMPLETED, EventType.TOOL_COMPLETED))
                    .collectList()
                    .map(list -> Trajectory.of(job, list, json)));
  }

  private Mono<Job> find(String id, ServerWebExchange exchange) {
    UUID uuid = parseId(id);
    return jobs.get(Tenant.of(exchange), uuid).switchIfEmpty(Mono.error(() -> ApiException.notFound("job " + id)));
  }

  private static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("job " + id);
    }
  }

  private static int parseInt(String field, String value, int dflt, int min, int max) {
    if (value == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiException.badRequest(field, "must be an integer between " + min + " and " + max);
  }

  private static long parseLong(String field, String value) {
    try {
      long n = Long.parseLong(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiException.badRequest(field, "must be a non-negative integer (an event id)");
  }
}
