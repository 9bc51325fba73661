package io.fathom.api.auth;

import io.fathom.orchestrator.config.FathomProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** API keys from FATHOM_API_KEYS, or one generated and kept in the data dir. */
@Configuration(proxyBeanMethods = false)
public class AuthConfiguration {

  private static final Logger log = LoggerFactory.getLogger(AuthConfiguration.class);

  @Bean
  ApiKeys apiKeys(FathomProperties properties) {
    String spec = properties.apiKeys();
    if (spec != null && !spec.isBlank()) {
      return ApiKeys.parse(spec);
    }
    ApiKeys.GeneratedKey generated = ApiKeys.loadOrCreate(properties.dataDir());
    log.info(
        "FATHOM_API_KEYS is not set: tenant 'default' uses the key in {}{}: {}",
        generated.file().toAbsolutePath(),
        generated.created() ? " (new)" : "",
        generated.key());
    return generated.keys();
  }
}
