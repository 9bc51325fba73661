package io.fathom.worker.model;

import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.model.ModelConfig;
import io.fathom.protocol.template.ChatPromptRenderer;
import io.fathom.protocol.template.JinjaChatTemplate;
import io.fathom.protocol.template.NanbeigeChatRenderer;
import io.fathom.protocol.template.ToolArgumentsForm;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face model directory opened for serving: the memory-mapped checkpoint, the tokenizer (and the
 * bytes of its {@code tokenizer.json}, which the worker serves to the orchestrator), the chat renderer and the
 * stop tokens.
 *
 * <p>Stop tokens: the {@code eos_token} of {@code tokenizer_config.json}, the {@code eos_token_id}s of
 * {@code generation_config.json}, and {@code <|im_end|>} when the tokenizer has it (ChatML's end of turn).
 */
public final class LoadedModel implements AutoCloseable {

  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  /** Bound on tokenizer.json (Nanbeige's is about 10 MB). */
  public static final long MAX_TOKENIZER_BYTES = 256L << 20;

  /** Which chat template renders chat requests. */
  public enum TemplateChoice {
    /** The built-in Nanbeige (Qwen3-style ChatML) renderer. */
    BUILTIN,
    /** The model's own Jinja template (tokenizer_config.json or chat_template.jinja). */
    MODEL
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Path directory;
  private final String name;
  private final Checkpoint checkpoint;
  private final HfTokenizer tokenizer;
  private final byte[] tokenizerJson;
  private final ChatPromptRenderer renderer;
  private final int[] stopTokenIds;
  private final int endOfTurnId;

  private LoadedModel(
      Path directory, String name, Checkpoint checkpoint, HfTokenizer tokenizer, byte[] tokenizerJson,
      ChatPromptRenderer renderer, int[] stopTokenIds, int endOfTurnId) {
    this.directory = directory;
    this.name = name;
    this.checkpoint = checkpoint;
    this.tokenizer = tokenizer;
    this.tokenizerJson = tokenizerJson;
    this.renderer = renderer;
    this.stopTokenIds = stopTokenIds;
    this.endOfTurnId = endOfTurnId;
  }

  /**
   * Opens {@code directory}.
   *
   * @param name the model name the server reports
   * @throws IOException if a file is missing or unreadable
   * @throws IllegalArgumentException if the tokenizer does not fit the model
   */
  public static LoadedModel open(Path directory, String name, TemplateChoice template) throws IOException {
    Path tokenizerFile = directory.resolve(TOKENIZER);
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new NoSuchFileException(tokenizerFile.toString(), null, "the model directory has no " + TOKENIZER);
    }
    long size = Files.size(tokenizerFile);
    if (size > MAX_TOKENIZER_BYTES) {
      throw new IllegalArgumentException(tokenizerFile + ": " + size + " bytes, above the limit of " + MAX_TOKENIZER_BYTES);
    }
    byte[] tokenizerJson = Files.readAllBytes(tokenizerFile);
    HfTokenizer tokenizer = HfTokenizer.load(new ByteArrayInputStream(tokenizerJson));
    ChatPromptRenderer renderer =
        template == TemplateChoice.MODEL
            ? JinjaChatTemplate.fromModelDir(directory, ToolArgumentsForm.STRING)
            : new NanbeigeChatRenderer();
    Checkpoint checkpoint = Checkpoint.open(directory);
    try {
      ModelConfig config = checkpoint.config();
      if (tokenizer.vocabSize() > config.vocabSize()) {
        throw new IllegalArgumentException(
            TOKENIZER + " has ids up to " + (tokenizer.vocabSize() - 1) + ", beyond the model's vocab_size "
                + config.vocabSize());
      }
      Set<Integer> stops = new LinkedHashSet<>();
      String eos = eosToken(directory.resolve(TOKENIZER_CONFIG));
      if (eos != null) {
        tokenizer.tokenToId(eos).ifPresent(stops::add);
      }
      generationEos(directory.resolve(GENERATION_CONFIG), config.vocabSize(), stops);
      OptionalInt imEnd = tokenizer.tokenToId(NanbeigeChatRenderer.IM_END);
      imEnd.ifPresent(stops::add);
      if (stops.isEmpty()) {
        tokenizer.tokenToId("</s>").ifPresent(stops::add);
      }
      int endOfTurn = imEnd.isPresent() ? imEnd.getAsInt() : stops.isEmpty() ? -1 : stops.iterator().next();
      return new LoadedModel(
          directory, name, checkpoint, tokenizer, tokenizerJson, renderer,
          stops.stream().mapToInt(Integer::intValue).toArray(), endOfTurn);
    } catch (RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  private static String eosToken(Path file) throws IOException {
    JsonNode root = readJson(file);
    if (root == null) {
      return null;
    }
    JsonNode eos = root.get("eos_token");
    if (eos != null && eos.isString()) {
      return eos.stringValue();
    }
    if (eos != null && eos.isObject() && eos.path("content").isString()) {
      return eos.path("content").stringValue();
    }
    return null;
  }

  private static void generationEos(Path file, int vocab, Set<Integer> stops) throws IOException {
    JsonNode root = readJson(file);
    JsonNode eos = root == null ? null : root.get("eos_token_id");
    if (eos == null) {
      return;
    }
    for (JsonNode id : eos.isArray() ? eos : JSON.createArrayNode().add(eos)) {
      if (id.isIntegralNumber() && id.asLong() >= 0 && id.asLong() < vocab) {
        stops.add(id.asInt());
      }
    }
  }

  private static JsonNode readJson(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      return root != null && root.isObject() ? root : null;
    } catch (JacksonException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  public Path directory() {
    return directory;
  }

  public String name() {
    return name;
  }

  public Checkpoint checkpoint() {
    return checkpoint;
  }

  public ModelConfig config() {
    return checkpoint.config();
  }

  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  /** The exact bytes of tokenizer.json. */
  public byte[] tokenizerJson() {
    return tokenizerJson;
  }

  public ChatPromptRenderer renderer() {
    return renderer;
  }

  /** The ids that end a generation by default (EOS, end of turn). */
  public int[] stopTokenIds() {
    return stopTokenIds.clone();
  }

  /** {@code <|im_end|>}'s id (or the EOS id without ChatML), -1 if there is none. */
  public int endOfTurnId() {
    return endOfTurnId;
  }

  @Override
  public void close() {
    checkpoint.close();
  }
}
