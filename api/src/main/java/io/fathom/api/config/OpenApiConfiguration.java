package io.fathom.api.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document's fixed parts (served at /v3/api-docs, committed as docs/openapi.json). */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

  /** Documents JSON property names as the API writes them: snake_case. */
  @Bean
  ModelResolver snakeCaseModelResolver() {
    return new ModelResolver(Json.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
  }

  @Bean
  OpenAPI fathomOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Fathom API")
                .version("v1")
                .description(
                    "Submit agent tasks, follow their events (SSE), cancel them, read their trajectory, and define"
                        + " functions (JSON Schema + webhook) that models may call. Errors are RFC 9457"
                        + " application/problem+json naming the bad field."))
        .servers(List.of(new Server().url("/")))
        .components(
            new Components()
                .addSecuritySchemes(
                    "bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").description("An API key")))
        .addSecurityItem(new SecurityRequirement().addList("bearer"));
  }
}
