package io.fathom.orchestrator.tools;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.config.SearchProperties;
import io.fathom.tools.search.CorpusStore;
import io.fathom.tools.search.SearchSettings;
import io.fathom.tools.functions.WebhookInvoker;
import io.fathom.tools.functions.WebhookSettings;
import io.fathom.tools.net.OutboundPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.scheduler.Schedulers;

/** Wires the tool implementations from configuration. */
@Configuration(proxyBeanMethods = false)
public class ToolsConfiguration {

  @Bean
  OutboundPolicy outboundPolicy(FathomProperties properties) {
    return new OutboundPolicy(properties.outboundAllow(), Schedulers.boundedElastic());
  }

  /** The tenants' search corpora (closed with the context). */
  @Bean(destroyMethod = "close")
  CorpusStore corpusStore(FathomProperties properties, SearchProperties search) {
    return new CorpusStore(search.corpusRoot(properties.dataDir()));
  }

  /** What the {@code search} tool searches: the tenant's corpora unless SearXNG or Brave is configured. */
  @Bean
  SearchSettings searchSettings(SearchProperties search) {
    return switch (search.backend()) {
      case "searxng" -> {
        if (search.uri() == null) {
          throw new IllegalArgumentException("FATHOM_SEARCH_BACKEND=searxng needs FATHOM_SEARCH_URL (SearXNG's root URL)");
        }
        yield SearchSettings.searxng(search.uri());
      }
      case "brave" -> {
        if (search.apiKey().isEmpty()) {
          throw new IllegalArgumentException("FATHOM_SEARCH_BACKEND=brave needs FATHOM_SEARCH_API_KEY");
        }
        SearchSettings brave = SearchSettings.brave(search.apiKey());
        yield search.uri() == null
            ? brave
            : new SearchSettings(brave.backend(), search.uri(), brave.apiKey(), brave.timeout(), brave.maxResponseBytes(),
                brave.defaultCorpus(), brave.maxOutputChars());
      }
      default -> SearchSettings.corpus();
    };
  }

  @Bean
  WebhookInvoker webhookInvoker(WebClient.Builder builder, OutboundPolicy policy, FathomProperties properties) {
    FathomProperties.Webhook w = properties.webhook();
    return new WebhookInvoker(
        builder, policy, new WebhookSettings(w.timeout(), w.maxAttempts(), w.backoff(), w.maxResponseBytes(), w.maxResultChars()));
  }
}
