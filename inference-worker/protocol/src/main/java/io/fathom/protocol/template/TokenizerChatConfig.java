package io.fathom.protocol.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chat-template part of a Hugging Face {@code tokenizer_config.json}: {@code chat_template} (a string, or
 * a list of {@code {"name", "template"}} objects), {@code bos_token} and {@code eos_token} (strings, or
 * added-token objects with a {@code content} string; absent tokens are null).
 *
 * @param templates the templates by name, in file order; a single template is named {@value #DEFAULT_NAME}
 * @param bosToken the BOS token text, or null
 * @param eosToken the EOS token text, or null
 */
public record TokenizerChatConfig(Map<String, String> templates, String bosToken, String eosToken) {

  /** The name of the template used when none is asked for. */
  public static final String DEFAULT_NAME = "default";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public TokenizerChatConfig {
    Objects.requireNonNull(templates, "templates");
    if (templates.isEmpty()) {
      throw new IllegalArgumentException("templates is empty");
    }
    templates = Collections.unmodifiableMap(new LinkedHashMap<>(templates));
  }

  /** Reads {@code tokenizer_config.json}. */
  public static TokenizerChatConfig read(Path file) {
    String json;
    try {
      json = Files.readString(file);
    } catch (IOException e) {
      throw new ChatTemplateException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return parse(json, file.toString());
  }

  /**
   * Parses the text of a tokenizer config.
   *
   * @param source what to call the text in error messages, e.g. its path
   * @throws ChatTemplateException naming what is missing or malformed
   */
  public static TokenizerChatConfig parse(String json, String source) {
    return parse(json, source, null);
  }

  /**
   * Parses a tokenizer config whose template comes from elsewhere ({@code chat_template.jinja}) when
   * {@code templateOverride} is not null: then {@code chat_template} may be absent and is ignored.
   */
  static TokenizerChatConfig parse(String json, String source, String templateOverride) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new ChatTemplateException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ChatTemplateException(source + " is not a JSON object");
    }
    return new TokenizerChatConfig(
        templateOverride != null ? Map.of(DEFAULT_NAME, templateOverride) : templates(root.get("chat_template"), source),
        token(root, "bos_token", source),
        token(root, "eos_token", source));
  }

  /**
   * The template with this name.
   *
   * @throws ChatTemplateException listing the names there are
   */
  public String template(String name) {
    String template = templates.get(name);
    if (template == null) {
      throw new ChatTemplateException("there is no chat template named \"" + name + "\"; there are: "
          + String.join(", ", templates.keySet()));
    }
    return template;
  }

  /** The {@value #DEFAULT_NAME} template, or the only one. */
  public String defaultTemplate() {
    if (templates.size() == 1) {
      return templates.values().iterator().next();
    }
    if (!templates.containsKey(DEFAULT_NAME)) {
      throw new ChatTemplateException("there are several chat templates (" + String.join(", ", templates.keySet())
          + ") and none is named \"" + DEFAULT_NAME + "\"; name the one to use");
    }
    return templates.get(DEFAULT_NAME);
  }

  private static Map<String, String> templates(JsonNode node, String source) {
    if (node == null || node.isNull()) {
      throw new ChatTemplateException(source + " has no \"chat_template\"");
    }
    if (node.isString()) {
      return Map.of(DEFAULT_NAME, nonBlank(node.stringValue(), source + " \"chat_template\""));
    }
    if (!node.isArray()) {
      throw new ChatTemplateException(source + " \"chat_template\" must be a string or a list of {\"name\", \"template\"} "
          + "objects, not " + describe(node));
    }
    if (node.isEmpty()) {
      throw new ChatTemplateException(source + " \"chat_template\" is an empty list");
    }
    Map<String, String> templates = new LinkedHashMap<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode entry = node.get(i);
      String where = source + " \"chat_template\"[" + i + "]";
      if (!entry.isObject()) {
        throw new ChatTemplateException(where + " must be an object with \"name\" and \"template\", not " + describe(entry));
      }
      String name = text(entry.get("name"), where + " \"name\"");
      String template = nonBlank(text(entry.get("template"), where + " \"template\""), where + " \"template\"");
      if (templates.put(name, template) != null) {
        throw new ChatTemplateException(where + " repeats the name \"" + name + "\"");
      }
    }
    return templates;
  }

  private static String token(JsonNode root, String field, String source) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isString()) {
      return node.stringValue();
    }
    if (node.isObject() && node.get("content") != null && node.get("content").isString()) {
      return node.get("content").stringValue();
    }
    throw new ChatTemplateException(source + " \"" + field + "\" must be a string or an object with a \"content\" "
        + "string, not " + describe(node));
  }

  private static String text(JsonNode node, String what) {
    if (node == null || !node.isString()) {
      throw new ChatTemplateException(what + (node == null ? " is missing" : " must be a string, not " + describe(node)));
    }
    return node.stringValue();
  }

  private static String nonBlank(String text, String what) {
    if (text.isBlank()) {
      throw new ChatTemplateException(what + " is empty");
    }
    return text;
  }

  private static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case OBJECT -> "an object";
      case ARRAY -> "a list";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> node.getNodeType().toString();
    };
  }
}
