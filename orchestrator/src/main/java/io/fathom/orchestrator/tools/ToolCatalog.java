package io.fathom.orchestrator.tools;

import com.networknt.schema.SchemaRegistry;
import io.fathom.orchestrator.functions.FunctionStore;
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
  private final SchemaRegistry schemas = ArgumentSchema.newRegistry();

  public ToolCatalog(FunctionStore functions, WebhookInvoker invoker) {
    this.functions = functions;
    this.invoker = invoker;
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
                if (!found.containsKey(names.get(i))) {
                  missingAt.add(i);
                  missing.add(names.get(i));
                }
              }
              if (!missing.isEmpty()) {
                return Mono.error(new UnknownToolsException(missingAt, missing));
              }
              return Mono.just(names.stream().distinct().map(found::get).toList());
            });
  }

  /** The tools of a job, by name, from its snapshotted definitions. */
  public Map<String, JobTool> forJob(String tenant, List<FunctionDefinition> definitions) {
    return definitions.stream()
        .collect(
            Collectors.toMap(
                FunctionDefinition::name,
                d -> new JobTool(new WebhookFunctionTool(tenant, d, invoker), ArgumentSchema.compile(schemas, d.parameters())),
                (a, b) -> a,
                LinkedHashMap::new));
  }

  /** Checks a function's parameter schema; throws {@code InvalidSchemaException}. */
  public void checkSchema(JsonNode parameters) {
    ArgumentSchema.compile(schemas, parameters);
  }
}
