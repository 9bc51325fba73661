package io.fathom.orchestrator.tools;

import io.fathom.orchestrator.config.FathomProperties;
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

  @Bean
  WebhookInvoker webhookInvoker(WebClient.Builder builder, OutboundPolicy policy, FathomProperties properties) {
    FathomProperties.Webhook w = properties.webhook();
    return new WebhookInvoker(
        builder, policy, new WebhookSettings(w.timeout(), w.maxAttempts(), w.backoff(), w.maxResponseBytes(), w.maxResultChars()));
  }
}
