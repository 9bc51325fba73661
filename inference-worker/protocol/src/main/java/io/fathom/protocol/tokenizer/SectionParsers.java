package io.fathom.protocol.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Parses the small {@code tokenizer.json} sections (read as JSON trees) into their configuration records. */
final class SectionParsers {

  private SectionParsers() {}

  // ---------------------------------------------------------------- added_tokens

  static List<AddedToken> addedTokens(JsonNode node) {
    if (absent(node)) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new TokenizerFormatException("added_tokens", "expected an array but found " + kind(node));
    }
    List<AddedToken> tokens = new ArrayList<>(node.size());
    Map<Integer, Integer> indexById = new HashMap<>();
    Map<String, Integer> indexByContent = new HashMap<>();
    for (int i = 0; i < node.size(); i++) {
      String path = "added_tokens[" + i + "]";
      JsonNode entry = node.get(i);
      if (!entry.isObject()) {
        throw new TokenizerFormatException(path, "expected an object but found " + kind(entry));
      }
      int id = tokenId(entry.get("id"), path + ".id");
      String content = requiredString(entry, "content", path);
      if (content.isEmpty()) {
        throw new TokenizerFormatException(path + ".content", "must not be empty");
      }
      boolean special = optionalBoolean(entry, "special", path, false);
      AddedToken token =
          new AddedToken(
              id,
              content,
              special,
              optionalBoolean(entry, "lstrip", path, false),
              optionalBoolean(entry, "rstrip", path, false),
              optionalBoolean(entry, "normalized", path, !special),
              optionalBoolean(entry, "single_word", path, false));
      Integer previous = indexById.putIfAbsent(id, i);
      if (previous != null) {
        throw new TokenizerFormatException(
            path + ".id", "id " + id + " is already used by added_tokens[" + previous + "]");
      }
      previous = indexByContent.putIfAbsent(content, i);
      if (previous != null) {
        throw new TokenizerFormatException(
            path + ".content", Strings.quote(content) + " is already defined by added_tokens[" + previous + "]");
      }
      tokens.add(token);
    }
    return tokens;
  }

  // ---------------------------------------------------------------- normalizer

  static Normalizer normalizer(JsonNode node) {
    if (absent(node)) {
      return Normalizer.IDENTITY;
    }
    List<Normalizer.Step> steps = new ArrayList<>();
    addNormalizerSteps(node, "normalizer", steps);
    return new Normalizer(steps);
  }

  private static void addNormalizerSteps(JsonNode node, String path, List<Normalizer.Step> steps) {
    String type = type(node, path);
    switch (type) {
      case "Sequence" -> {
        JsonNode list = requiredArray(node, "normalizers", path);
        for (int i = 0; i < list.size(); i++) {
          addNormalizerSteps(list.get(i), path + ".normalizers[" + i + "]", steps);
        }
      }
      case "Prepend" -> steps.add(new Normalizer.Prepend(requiredString(node, "prepend", path)));
      case "Replace" ->
          steps.add(
              new Normalizer.Replace(
                  literalPattern(node.get("pattern"), path + ".pattern"), requiredString(node, "content", path)));
      default ->
          throw new TokenizerFormatException(
              path + ".type",
              "unsupported normalizer " + Strings.quote(type) + " (supported: Sequence, Prepend, Replace)");
    }
  }

  // ---------------------------------------------------------------- pre_tokenizer

  static MetaspacePreTokenizer preTokenizer(JsonNode node) {
    if (absent(node)) {
      return null;
    }
    String path = "pre_tokenizer";
    String type = type(node, path);
    if (type.equals("Sequence")) {
      JsonNode list = requiredArray(node, "pretokenizers", path);
      if (list.isEmpty()) {
        return null;
      }
      if (list.size() > 1) {
        throw new TokenizerFormatException(
            path + ".pretokenizers", "only a single Metaspace pre-tokenizer is supported, found " + list.size());
      }
      path = path + ".pretokenizers[0]";
      node = list.get(0);
      type = type(node, path);
    }
    if (!type.equals("Metaspace")) {
      throw new TokenizerFormatException(
          path + ".type", "unsupported pre-tokenizer " + Strings.quote(type) + " (supported: Metaspace)");
    }
    return new MetaspacePreTokenizer(
        singleCodePoint(node, "replacement", path),
        prependScheme(node, path),
        optionalBoolean(node, "split", path, true));
  }

  /** Reads {@code prepend_scheme} and the legacy {@code add_prefix_space} the way Hugging Face tokenizers does. */
  private static PrependScheme prependScheme(JsonNode node, String path) {
    JsonNode schemeNode = node.get("prepend_scheme");
    PrependScheme scheme =
        absent(schemeNode)
            ? PrependScheme.ALWAYS
            : PrependScheme.parse(requiredString(node, "prepend_scheme", path), path + ".prepend_scheme");
    if (!optionalBoolean(node, "add_prefix_space", path, true)) {
      if (!absent(schemeNode) && scheme != PrependScheme.NEVER) {
        throw new TokenizerFormatException(
            path + ".add_prefix_space", "false contradicts prepend_scheme " + Strings.quote(schemeNode.asString()));
      }
      scheme = PrependScheme.NEVER;
    }
    return scheme;
  }

  // ---------------------------------------------------------------- decoder

  static DecoderPipeline decoder(JsonNode node) {
    if (absent(node)) {
      throw new TokenizerFormatException("decoder", "missing (null); a ByteFallback/Metaspace decoder is required");
    }
    List<JsonNode> nodes = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    flattenDecoders(node, "decoder", nodes, paths);

    List<DecoderPipeline.TokenStep> tokenSteps = new ArrayList<>();
    boolean byteFallback = false;
    boolean fused = false;
    int stripCodePoint = ' ';
    int stripCount = 0;
    boolean stripped = false;
    for (int i = 0; i < nodes.size(); i++) {
      JsonNode step = nodes.get(i);
      String path = paths.get(i);
      String type = type(step, path);
      if (stripped) {
        throw new TokenizerFormatException(path, "no decoder step is supported after Strip, found " + type);
      }
      switch (type) {
        case "Replace", "Metaspace" -> {
          if (byteFallback || fused) {
            throw new TokenizerFormatException(path, type + " after ByteFallback or Fuse is not supported");
          }
          tokenSteps.add(
              type.equals("Replace")
                  ? new DecoderPipeline.Replace(
                      literalPattern(step.get("pattern"), path + ".pattern"), requiredString(step, "content", path))
                  : new DecoderPipeline.Metaspace(
                      singleCodePoint(step, "replacement", path), prependScheme(step, path) != PrependScheme.NEVER));
        }
        case "ByteFallback" -> {
          if (byteFallback || fused) {
            throw new TokenizerFormatException(path, "ByteFallback must appear once, before Fuse");
          }
          byteFallback = true;
        }
        case "Fuse" -> fused = true;
        case "Strip" -> {
          if (!fused) {
            throw new TokenizerFormatException(path, "Strip is only supported after Fuse (on the whole text)");
          }
          stripCodePoint = singleCodePoint(step, "content", path).codePointAt(0);
          stripCount = nonNegativeInt(step, "start", path);
          if (nonNegativeInt(step, "stop", path) != 0) {
            throw new TokenizerFormatException(path + ".stop", "stripping trailing characters is not supported");
          }
          stripped = true;
        }
        default ->
            throw new TokenizerFormatException(
                path + ".type",
                "unsupported decoder "
                    + Strings.quote(type)
                    + " (supported: Sequence, Replace, Metaspace, ByteFallback, Fuse, Strip)");
      }
    }
    return new DecoderPipeline(tokenSteps, byteFallback, stripCodePoint, stripCount);
  }

  private static void flattenDecoders(JsonNode node, String path, List<JsonNode> nodes, List<String> paths) {
    if (type(node, path).equals("Sequence")) {
      JsonNode list = requiredArray(node, "decoders", path);
      for (int i = 0; i < list.size(); i++) {
        flattenDecoders(list.get(i), path + ".decoders[" + i + "]", nodes, paths);
      }
    } else {
      nodes.add(node);
      paths.add(path);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode();
  }

  private static String type(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new TokenizerFormatException(path, "expected an object but found " + kind(node));
    }
    return requiredString(node, "type", path);
  }

  private static String requiredString(JsonNode node, String name, String path) {
    JsonNode value = node.get(name);
    if (absent(value)) {
      throw new TokenizerFormatException(path + "." + name, "missing");
    }
    if (!value.isString()) {
      throw new TokenizerFormatException(path + "." + name, "expected a string but found " + kind(value));
    }
    return value.stringValue();
  }

  private static String singleCodePoint(JsonNode node, String name, String path) {
    String value = requiredString(node, name, path);
    if (value.isEmpty() || value.codePointCount(0, value.length()) != 1) {
      throw new TokenizerFormatException(
          path + "." + name, "expected a single character but found " + Strings.quote(value));
    }
    return value;
  }

  private static JsonNode requiredArray(JsonNode node, String name, String path) {
    JsonNode value = node.get(name);
    if (absent(value)) {
      throw new TokenizerFormatException(path + "." + name, "missing");
    }
    if (!value.isArray()) {
      throw new TokenizerFormatException(path + "." + name, "expected an array but found " + kind(value));
    }
    return value;
  }

  private static boolean optionalBoolean(JsonNode node, String name, String path, boolean defaultValue) {
    JsonNode value = node.get(name);
    if (absent(value)) {
      return defaultValue;
    }
    if (!value.isBoolean()) {
      throw new TokenizerFormatException(path + "." + name, "expected true or false but found " + kind(value));
    }
    return value.booleanValue();
  }

  private static int nonNegativeInt(JsonNode node, String name, String path) {
    JsonNode value = node.get(name);
    if (absent(value)) {
      throw new TokenizerFormatException(path + "." + name, "missing");
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
      throw new TokenizerFormatException(path + "." + name, "expected a non-negative integer but found " + value);
    }
    return value.intValue();
  }

  private static int tokenId(JsonNode value, String path) {
    if (absent(value)) {
      throw new TokenizerFormatException(path, "missing");
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToInt()
        || value.intValue() < 0
        || value.intValue() > TokenizerJsonReader.MAX_TOKEN_ID) {
      throw new TokenizerFormatException(
          path, "expected an integer in 0.." + TokenizerJsonReader.MAX_TOKEN_ID + " but found " + value);
    }
    return value.intValue();
  }

  /** A Hugging Face pattern {@code {"String": "..."}}; regular expressions are not supported. */
  private static String literalPattern(JsonNode pattern, String path) {
    if (absent(pattern)) {
      throw new TokenizerFormatException(path, "missing");
    }
    if (!pattern.isObject()) {
      throw new TokenizerFormatException(path, "expected {\"String\": ...} but found " + kind(pattern));
    }
    if (pattern.has("Regex")) {
      throw new TokenizerFormatException(path, "Regex patterns are not supported (only {\"String\": ...})");
    }
    String literal = requiredString(pattern, "String", path);
    if (literal.isEmpty()) {
      throw new TokenizerFormatException(path + ".String", "must not be empty");
    }
    return literal;
  }

  private static String kind(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    } else if (node.isArray()) {
      return "an array";
    } else if (node.isString()) {
      return "a string";
    } else if (node.isNumber()) {
      return "a number";
    } else if (node.isBoolean()) {
      return "a boolean";
    } else if (node.isNull()) {
      return "null";
    }
    return node.getNodeType().toString();
  }
}
