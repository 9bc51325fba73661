package io.fathom.api.corpora;

import io.fathom.api.auth.Tenant;
import io.fathom.api.errors.ApiException;
import io.fathom.api.uploads.SpooledUpload;
import io.fathom.tools.search.CorpusInfo;
import io.fathom.tools.search.CorpusNames;
import io.fathom.tools.search.CorpusStore;
import io.fathom.tools.search.IngestSource;
import io.fathom.tools.search.IngestSummary;
import io.fathom.tools.search.SearchException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * A tenant's search corpora: embedded Lucene indexes the {@code search} tool ranks with BM25 and {@code visit}
 * opens as {@code corpus://name/id}. Documents come in as the raw body of an upload: text, Markdown, HTML,
 * PDF, JSON, or a zip / tar / tar.gz of them; the upload is spooled to a temporary file (at most {@link
 * #MAX_UPLOAD_BYTES}) and ingested off the event loop.
 */
@RestController
@RequestMapping("/v1/corpora")
public class CorporaController {

  /** The largest upload, compressed: 512 MiB. */
  static final long MAX_UPLOAD_BYTES = io.fathom.api.errors.BodySizeFilter.MAX_UPLOAD_BYTES;

  private final CorpusStore store;

  public CorporaController(CorpusStore store) {
    this.store = store;
  }

  /** A request to create a corpus. */
  public record CreateCorpus(String name) {}

  @Operation(summary = "Create an empty corpus")
  @ApiResponse(responseCode = "201", description = "Created")
  @ApiResponse(responseCode = "400", description = "A bad name", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "409", description = "A corpus of that name exists", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @PostMapping
  public Mono<ResponseEntity<CorpusInfo>> create(@RequestBody(required = false) CreateCorpus request, ServerWebExchange exchange) {
    String name = request == null ? null : request.name();
    checkName(name);
    return store
        .create(Tenant.of(exchange), name)
        .onErrorMap(SearchException.class, CorporaController::toApi)
        .map(info -> ResponseEntity.status(HttpStatus.CREATED).header("Location", "/v1/corpora/" + name).body(info));
  }

  @Operation(summary = "The tenant's corpora")
  @GetMapping
  public Mono<Map<String, List<CorpusInfo>>> list(ServerWebExchange exchange) {
    return store.list(Tenant.of(exchange)).map(l -> Map.of("data", l));
  }

  @Operation(summary = "Delete a corpus and its documents")
  @ApiResponse(responseCode = "204", description = "Deleted")
  @ApiResponse(responseCode = "404", description = "No such corpus", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @DeleteMapping("/{name}")
  public Mono<ResponseEntity<Void>> delete(@PathVariable String name, ServerWebExchange exchange) {
    checkName(name);
    return store
        .delete(Tenant.of(exchange), name)
        .flatMap(found -> found ? Mono.just(ResponseEntity.noContent().<Void>build()) : Mono.error(ApiException.notFound("corpus " + name)));
  }

  @Operation(summary = "Add documents: the raw body is one document or an archive of them")
  @ApiResponse(responseCode = "200", description = "What was added, replaced and skipped")
  @ApiResponse(responseCode = "400", description = "A bad name or file name", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "404", description = "No such corpus", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "413", description = "The upload is over 512 MiB", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @io.swagger.v3.oas.annotations.parameters.RequestBody(
      description = "The file's bytes, any Content-Type (at most 512 MiB)", required = true,
      content = @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
  @PostMapping("/{name}/documents")
  public Mono<IngestSummary> ingest(
      @PathVariable String name,
      @Parameter(description = "The upload's file name; its extension tells the format (.txt, .md, .html, .pdf, .json, .zip, .tar, .tar.gz)")
          @RequestParam("filename") String fileName,
      @Parameter(description = "The document's id (default: the file name); for an archive, a prefix to its entries' paths")
          @RequestParam(value = "id", required = false) String id,
      ServerWebExchange exchange) {
    checkName(name);
    checkFileName(fileName);
    String tenant = Tenant.of(exchange);
    return SpooledUpload.with(
            exchange, MAX_UPLOAD_BYTES,
            file -> store.ingest(tenant, name, List.of(new IngestSource(fileName, id, () -> Files.newInputStream(file)))))
        .onErrorMap(SearchException.class, CorporaController::toApi);
  }

  private static void checkName(String name) {
    if (!CorpusNames.valid(name)) {
      throw ApiException.badRequest("name", "a corpus name is 1 to 64 of [A-Za-z0-9_.-], not only dots, got " + (name == null ? "none" : "'" + name + "'"));
    }
  }

  private static void checkFileName(String fileName) {
    if (fileName.isBlank() || fileName.length() > 255 || fileName.contains("/") || fileName.contains("\\")) {
      throw ApiException.badRequest("filename", "a file name of 1 to 255 characters without slashes");
    }
  }

  private static ApiException toApi(SearchException e) {
    return switch (e.code()) {
      case "corpus_exists" -> new ApiException(HttpStatus.CONFLICT, e.getMessage());
      case "no_corpus", "not_found" -> new ApiException(HttpStatus.NOT_FOUND, e.getMessage());
      default -> ApiException.badRequest(e.code(), e.getMessage());
    };
  }

}
