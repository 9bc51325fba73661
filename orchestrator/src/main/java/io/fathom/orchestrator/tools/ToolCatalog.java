package io.fathom.orchestrator.tools;

import com.networknt.schema.SchemaRegistry;
import io.fathom.orchestrator.functions.FunctionStore;
import io.fathom.orchestrator.repos.RepositoryStore;
import io.fathom.tools.functions.FunctionDefinition;
import io.fathom.tools.functions.WebhookFunctionTool;
import io.fathom.tools.functions.WebhookInvoker;
import io.fathom.tools.schema.ArgumentSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Finds tools by name for a tenant: the tenant's functions (built-in tools join here as they are
 * added). At submission the named functions are looked up and snapshotted into the job, so a job
 * runs with the definitions it was submitted with.
 */
@Component
public class ToolCatalog {

  private final FunctionStore functions;
  private final WebhookInvoker invoker;
  private final BuiltInTools builtIns;
  private final RepositoryStore repositories;
  private final SchemaRegistry schemas = ArgumentSchema.newRegistry();

  public ToolCatalog(
      FunctionStore functions, WebhookInvoker invoker, BuiltInTools builtIns, RepositoryStore repositories) {
    this.functions = functions;
    this.invoker = invoker;
    this.builtIns = builtIns;
    this.repositories = repositories;
  }

  /** The definitions of {@code names}, in order; fails with {@link UnknownToolsException}. */
  public Mono<List<FunctionDefinition>> resolve(String tenant, List<String> names) {
    if (names.isEmpty()) {
      return Mono.just(List.of());
    }
    return functions
        .getAll(tenant, names)
        .collectMap(FunctionDefinition::name, Function.identity())
        .flatMap(
            found -> {
              List<Integer> missingAt = new ArrayList<>();
              List<String> missing = new ArrayList<>();
              for (int i = 0; i < names.size(); i++) {
                if (!found.containsKey(names.get(i)) && builtIns.get(names.get(i)).isEmpty()) {
                  missingAt.add(i);
                  missing.add(names.get(i));
                }
              }
              if (!missing.isEmpty()) {
                return Mono.error(new UnknownToolsException(missingAt, missing));
              }
              // Built-ins are not snapshotted: the job names them (JobSpec.tools).
              return Mono.just(names.stream().distinct().filter(found::containsKey).map(found::get).toList());
            });
  }

  /**
   * The tools of a job, by name, in the order it named them: its snapshotted functions, and the
   * built-ins among its names that no function of its took.
   */
  public Map<String, JobTool> forJob(String tenant, List<String> names, List<FunctionDefinition> definitions) {
    Map<String, FunctionDefinition> byName =
        definitions.stream().collect(Collectors.toMap(FunctionDefinition::name, d -> d, (a, b) -> a));
    Map<String, JobTool> out = new LinkedHashMap<>();
    for (String name : names) {
      FunctionDefinition d = byName.get(name);
      if (d != null) {
        out.put(name, new JobTool(new WebhookFunctionTool(tenant, d, invoker), ArgumentSchema.compile(schemas, d.parameters())));
      } else {
        builtIns.get(name).ifPresent(t -> out.put(name, new JobTool(t, ArgumentSchema.compile(schemas, t.parameters()))));
      }
    }
    return out;
  }

  /**
   * The job starts from its tenant's repository {@code name}: the job's sandbox will be a copy-on-write view of
   * it. Fails with {@link io.fathom.orchestrator.repos.RepositoryNotFoundException} when there is none.
   */
  public Mono<Void> assignRepository(java.util.UUID job, String tenant, String name) {
    return repositories.find(tenant, name).doOnNext(path -> builtIns.assignRepository(job, path)).then();
  }

  /** The job ended on this replica: what built-in tools keep for it (a sandbox) goes. */
  public void release(java.util.UUID job) {
    builtIns.release(job);
  }

  /** Checks a function's parameter schema; throws {@code InvalidSchemaException}. */
  public void checkSchema(JsonNode parameters) {
    ArgumentSchema.compile(schemas, parameters);
  }
}
