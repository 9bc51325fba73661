package io.fathom.orchestrator.model;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The model's tokenizer, which the token-exact loop needs: read from the model directory
 * ({@code FATHOM_MODEL}) at start — when the directory's own chat template renders a tool loop as
 * the built-in renderer does ({@link TemplateCheck}); otherwise jobs speak chat —, or else fetched once from the first model server, which serves
 * its {@code tokenizer.json} at {@code {base}/fathom/tokenizer.json} (Fathom's worker does). With
 * {@code FATHOM_PROMPT_MODE=chat}, or in {@code auto} mode when neither has one, there is none and
 * jobs speak OpenAI chat. The fetch carries {@code FATHOM_INFERENCE_API_KEY} as a bearer key, as the model
 * calls do.
 */
@Component
public class TokenizerSource {

  private static final Logger log = LoggerFactory.getLogger(TokenizerSource.class);
  private static final List<String> CHATML = List.of("<|im_start|>", "<|im_end|>");

  /** Which prompts jobs send. */
  public enum PromptMode {
    AUTO, TOKENS, CHAT;

    static PromptMode parse(String text) {
      if (text == null || text.isBlank()) {
        return AUTO;
      }
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("FATHOM_PROMPT_MODE is '" + text + "'; expected auto, tokens or chat");
      }
    }
  }

  private final PromptMode mode;
  private final Mono<Optional<HfTokenizer>> tokenizer;

  public TokenizerSource(FathomProperties properties, WebClient.Builder builder) {
    this.mode = PromptMode.parse(properties.model().promptMode());
    String dir = properties.model().dir();
    if (mode == PromptMode.CHAT) {
      tokenizer = Mono.just(Optional.empty());
    } else if (dir != null && !dir.isBlank()) {
      HfTokenizer loaded = load(Path.of(dir));
      Optional<String> disagreement = TemplateCheck.disagreement(Path.of(dir));
      if (disagreement.isPresent() && mode == PromptMode.TOKENS) {
        throw new IllegalStateException("FATHOM_MODEL=" + dir + ": " + disagreement.get() + "; token prompts would not be what the model expects");
      }
      if (disagreement.isPresent()) {
        log.warn("FATHOM_MODEL={}: {}; jobs speak OpenAI chat (the server renders its own template)", dir, disagreement.get());
        tokenizer = Mono.just(Optional.empty());
      } else {
        log.info("Tokenizer from {} ({} tokens): jobs send token prompts", dir, loaded.vocabSize());
        tokenizer = Mono.just(Optional.of(loaded));
      }
    } else if (properties.inferenceUrls().isEmpty()) {
      tokenizer = mode == PromptMode.TOKENS
          ? Mono.error(new IllegalStateException("FATHOM_PROMPT_MODE=tokens needs FATHOM_MODEL or a model server"))
          : Mono.just(Optional.empty());
    } else {
      String base = properties.inferenceUrls().getFirst().replaceAll("/+$", "");
      WebClient.Builder client = builder.clone().codecs(c -> c.defaultCodecs().maxInMemorySize(64 << 20));
      properties.inferenceAuthorization().ifPresent(value -> client.defaultHeader(HttpHeaders.AUTHORIZATION, value));
      WebClient web = client.build();
      tokenizer =
          web.get()
              .uri(base + "/fathom/tokenizer.json")
              .retrieve()
              .bodyToMono(byte[].class)
              .timeout(Duration.ofSeconds(60))
              .publishOn(Schedulers.boundedElastic())
              .map(bytes -> Optional.of(parse(bytes, base)))
              .onErrorResume(
                  e -> {
                    if (mode == PromptMode.TOKENS) {
                      return Mono.error(new IllegalStateException(
                          "FATHOM_PROMPT_MODE=tokens, but " + base + "/fathom/tokenizer.json cannot be had: " + e.getMessage(), e));
                    }
                    log.info("{} serves no tokenizer ({}); jobs speak OpenAI chat", base, e.getMessage());
                    return Mono.just(Optional.empty());
                  })
              // A tokenizer is kept; its absence is asked again after a minute (the server may be starting).
              .cache(t -> t.isPresent() ? Duration.ofDays(365) : Duration.ofMinutes(1), e -> Duration.ofSeconds(30), () -> Duration.ZERO);
    }
  }

  /** The tokenizer jobs use, or empty for chat prompts. */
  public Mono<Optional<HfTokenizer>> tokenizer() {
    return tokenizer;
  }

  private static HfTokenizer load(Path dir) {
    Path file = dir.resolve("tokenizer.json");
    try (var in = Files.newInputStream(file)) {
      return checked(HfTokenizer.load(in), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("FATHOM_MODEL=" + dir + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static HfTokenizer parse(byte[] bytes, String base) {
    try {
      return checked(HfTokenizer.load(new ByteArrayInputStream(bytes)), base + "/fathom/tokenizer.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static HfTokenizer checked(HfTokenizer t, String where) {
    for (String token : CHATML) {
      if (t.tokenToId(token).isEmpty()) {
        throw new IllegalStateException(where + " has no added token " + token + ": not a ChatML tokenizer");
      }
    }
    return t;
  }
}
