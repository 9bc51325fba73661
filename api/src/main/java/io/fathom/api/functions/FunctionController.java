package io.fathom.api.functions;

import io.fathom.api.auth.Tenant;
import io.fathom.api.errors.ApiException;
import io.fathom.api.errors.FieldProblem;
import io.fathom.orchestrator.functions.FunctionStore;
import io.fathom.orchestrator.tools.ToolCatalog;
import io.fathom.tools.functions.FunctionDefinition;
import io.fathom.tools.net.OutboundPolicy;
import io.fathom.tools.net.RefusedAddressException;
import io.fathom.tools.schema.InvalidSchemaException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** User-defined functions: a JSON Schema and a webhook, offered to jobs as tools. */
@RestController
@RequestMapping("/v1/functions")
public class FunctionController {

  static final int MAX_DESCRIPTION = 4096;
  static final int MAX_URL = 2048;

  private final FunctionStore functions;
  private final ToolCatalog catalog;
  private final OutboundPolicy policy;

  public FunctionController(FunctionStore functions, ToolCatalog catalog, OutboundPolicy policy) {
    this.functions = functions;
    this.catalog = catalog;
    this.policy = policy;
  }

  /** Creates (201) or replaces (200) a function. */
  @Operation(summary = "Define or replace a function (a JSON Schema and a webhook)")
  @ApiResponse(responseCode = "201", description = "Created")
  @ApiResponse(responseCode = "200", description = "Replaced")
  @ApiResponse(responseCode = "400", description = "A bad field, named", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public Mono<ResponseEntity<FunctionDefinition>> put(@RequestBody FunctionRequest request, ServerWebExchange exchange) {
    FunctionDefinition definition = validate(request);
    return policy
        .check(definition.url())
        .onErrorMap(RefusedAddressException.class, e -> ApiException.badRequest("url", e.getMessage()))
        .then(functions.put(Tenant.of(exchange), definition))
        .map(created -> ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK)
            .header("Location", "/v1/functions/" + definition.name())
            .body(definition));
  }

  @GetMapping
  public Mono<Map<String, List<FunctionDefinition>>> list(ServerWebExchange exchange) {
    return functions.list(Tenant.of(exchange)).collectList().map(l -> Map.of("data", l));
  }

  @Operation(summary = "A function")
  @ApiResponse(responseCode = "200", description = "The function")
  @ApiResponse(responseCode = "404", description = "No such function", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping("/{name}")
  public Mono<FunctionDefinition> get(@PathVariable String name, ServerWebExchange exchange) {
    return functions.get(Tenant.of(exchange), name).switchIfEmpty(Mono.error(() -> ApiException.notFound("function " + name)));
  }

  @Operation(summary = "Delete a function")
  @ApiResponse(responseCode = "204", description = "Deleted")
  @ApiResponse(responseCode = "404", description = "No such function", content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
  @DeleteMapping("/{name}")
  public Mono<ResponseEntity<Void>> delete(@PathVariable String name, ServerWebExchange exchange) {
    return functions.delete(Tenant.of(exchange), name)
        .map(deleted -> {
          if (!deleted) {
            throw ApiException.notFound("function " + name);
          }
          return ResponseEntity.noContent().build();
        });
  }

  private FunctionDefinition validate(FunctionRequest r) {
    if (r == null) {
      throw ApiException.badRequest("", "the body must be a JSON object");
    }
    List<FieldProblem> p = new ArrayList<>();
    if (r.name() == null || !r.name().matches("[A-Za-z0-9_-]{1,64}")) {
      p.add(new FieldProblem("name", "is required and must match [A-Za-z0-9_-]{1,64}"));
    }
    String description = r.description() == null ? "" : r.description();
    if (description.length() > MAX_DESCRIPTION) {
      p.add(new FieldProblem("description", "has " + description.length() + " characters; the limit is " + MAX_DESCRIPTION));
    }
    if (r.parameters() == null) {
      p.add(new FieldProblem("parameters", "is required: a JSON Schema for the arguments"));
    } else {
      try {
        catalog.checkSchema(r.parameters());
      } catch (InvalidSchemaException e) {
        p.add(new FieldProblem("parameters", e.getMessage()));
      }
    }
    URI url = null;
    if (r.url() == null || r.url().isBlank()) {
      p.add(new FieldProblem("url", "is required: the webhook that answers calls"));
    } else if (r.url().length() > MAX_URL) {
      p.add(new FieldProblem("url", "is longer than " + MAX_URL + " characters"));
    } else {
      try {
        url = new URI(r.url());
        policy.checkSyntax(url);
      } catch (URISyntaxException e) {
        p.add(new FieldProblem("url", "is not a valid URL: " + e.getMessage()));
      } catch (RefusedAddressException e) {
        p.add(new FieldProblem("url", e.getMessage()));
      }
    }
    if (!p.isEmpty()) {
      throw ApiException.badRequest(p);
    }
    return new FunctionDefinition(r.name(), description, r.parameters(), url, Boolean.TRUE.equals(r.idempotent()));
  }
}
