package io.fathom.api.repos;

import io.fathom.api.auth.Tenant;
import io.fathom.api.errors.ApiException;
import io.fathom.api.uploads.SpooledUpload;
import io.fathom.api.errors.BodySizeFilter;
import io.fathom.orchestrator.repos.RepositoryInfo;
import io.fathom.orchestrator.repos.RepositoryNotFoundException;
import io.fathom.orchestrator.repos.RepositoryStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * A tenant's repositories: the source trees SWE-style jobs start from (a job naming one works in a copy-on-write
 * sandbox over it). A repository comes in as the raw body of a PUT, a tar, tar.gz or zip archive (a single
 * top-level directory, as {@code git archive --prefix} and GitHub's tarballs have, is stripped); the upload is
 * spooled to a temporary file (at most {@link #MAX_UPLOAD_BYTES}), extracted off the event loop and swapped in
 * whole. See {@link RepositoryStore} for what an archive may hold. The operations have their own OpenAPI ids, so
 * the generated ids of the other controllers' {@code get}, {@code put} and {@code delete} stay as they were.
 */
@RestController
@RequestMapping("/v1/repositories")
public class RepositoriesController {

  /** The largest upload, compressed: 512 MiB. */
  static final long MAX_UPLOAD_BYTES = BodySizeFilter.MAX_UPLOAD_BYTES;

  private final RepositoryStore store;

  public RepositoriesController(RepositoryStore store) {
    this.store = store;
  }

  @Operation(operationId = "putRepository", summary = "Create or replace a repository: the raw body is a tar, tar.gz or zip of its files")
  @ApiResponse(responseCode = "201", description = "Created")
  @ApiResponse(responseCode = "200", description = "Replaced")
  @ApiResponse(responseCode = "400", description = "A bad name, or an archive that cannot be read or holds what is refused (absolute or '..' paths, links leading outside, more than the limits)", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "413", description = "The upload is over 512 MiB", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @io.swagger.v3.oas.annotations.parameters.RequestBody(
      description = "The archive's bytes, any Content-Type (at most 512 MiB; at most 2 GiB, 200,000 entries and 512 MiB per file once extracted)", required = true,
      content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
  @PutMapping("/{name}")
  public Mono<ResponseEntity<RepositoryInfo>> put(@PathVariable String name, ServerWebExchange exchange) {
    checkName(name);
    String tenant = Tenant.of(exchange);
    return SpooledUpload.with(exchange, MAX_UPLOAD_BYTES, file -> store.store(tenant, name, file))
        .onErrorMap(IllegalArgumentException.class, e -> ApiException.badRequest("archive", e.getMessage()))
        .map(stored -> ResponseEntity.status(stored.replaced() ? HttpStatus.OK : HttpStatus.CREATED)
            .header("Location", "/v1/repositories/" + name)
            .body(stored.info()));
  }

  @Operation(operationId = "listRepositories", summary = "The tenant's repositories")
  @GetMapping
  public Mono<Map<String, List<RepositoryInfo>>> list(ServerWebExchange exchange) {
    return store.list(Tenant.of(exchange)).map(l -> Map.of("data", l));
  }

  @Operation(operationId = "getRepository", summary = "A repository's files and bytes")
  @ApiResponse(responseCode = "200", description = "The repository")
  @ApiResponse(responseCode = "404", description = "No such repository", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping("/{name}")
  public Mono<RepositoryInfo> get(@PathVariable String name, ServerWebExchange exchange) {
    checkName(name);
    return store
        .info(Tenant.of(exchange), name)
        .onErrorMap(RepositoryNotFoundException.class, e -> ApiException.notFound("repository " + name));
  }

  @Operation(operationId = "deleteRepository", summary = "Delete a repository")
  @ApiResponse(responseCode = "204", description = "Deleted")
  @ApiResponse(responseCode = "404", description = "No such repository", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @DeleteMapping("/{name}")
  public Mono<ResponseEntity<Void>> delete(@PathVariable String name, ServerWebExchange exchange) {
    checkName(name);
    return store
        .delete(Tenant.of(exchange), name)
        .flatMap(found -> found ? Mono.just(ResponseEntity.noContent().<Void>build()) : Mono.error(ApiException.notFound("repository " + name)));
  }

  private static void checkName(String name) {
    if (!RepositoryStore.valid(name)) {
      throw ApiException.badRequest("name", "a repository name is 1 to 64 of [A-Za-z0-9_.-], not only dots, got "
          + (name == null ? "none" : "'" + name + "'"));
    }
  }
}
