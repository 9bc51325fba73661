package io.fathom.protocol.tokenizer;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A synthetic Nanbeige-sized {@code tokenizer.json}: 166,144 vocabulary entries, ~160k merges. Merged tokens are
 * built as left-to-right chains over a generated lexicon (English-like words, code identifiers and CJK words), so
 * every merge's result is in the vocabulary and text made of lexicon words merges into long tokens.
 */
final class SyntheticTokenizerJson {

  static final int VOCAB_SIZE = 166_144;
  static final int FIRST_ADDED_ID = 166_100;
  static final String META = "\u2581";
  static final int CJK_BASE = 0x4E00;
  static final int CJK_COUNT = 5_000;
  static final String CJK_PUNCTUATION = "。，、：；！？（）《》“”「」";
  static final List<String> ADDED =
      List.of("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "</tool_call>");
  private static final List<String> ONSETS =
      List.of(
          "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "qu", "r", "s", "t", "v", "w", "y", "z", "th",
          "st", "pr", "tr", "ch", "sh", "bl", "cr", "gr", "pl", "");
  private static final List<String> VOWELS = List.of("a", "e", "i", "o", "u", "ea", "ou", "ai", "ie", "y");
  private static final List<String> CODAS = List.of("", "", "", "n", "r", "s", "t", "l", "nd", "ng", "st", "ck", "m");
  private static final List<String> CODE_TOKENS =
      List.of(
          "==", "!=", "<=", ">=", "->", "&&", "||", "++", "();", "()", "{}", "//", "/*", "*/", "\"\"", "=>", "::",
          META + "=", META + "==", META + "{", META + "}", META + "(", META + "return", META + "if", META + "for",
          META + "while", META + "public", META + "private", META + "static", META + "void", META + "int",
          META + "String", META + "new", META + "class", META + "import", META + "final", META + "null",
          META + "true", META + "false", META + "else", META + "throw", META + "this");

  private final List<String> tokens = new ArrayList<>(VOCAB_SIZE);
  private final Map<String, Integer> ids = new HashMap<>(VOCAB_SIZE * 2);
  private final List<String> merges = new ArrayList<>(VOCAB_SIZE);
  private final List<String> englishWords = new ArrayList<>();
  private final List<String> codeWords = new ArrayList<>();
  private final List<String> cjkWords = new ArrayList<>();

  private SyntheticTokenizerJson() {}

  static SyntheticTokenizerJson generate(long seed) {
    SyntheticTokenizerJson s = new SyntheticTokenizerJson();
    s.build(new Random(seed));
    return s;
  }

  private void build(Random random) {
    add("<unk>");
    add("<s>");
    add("</s>");
    for (int b = 0; b < 256; b++) {
      add(String.format(Locale.ROOT, "<0x%02X>", b));
    }
    add(META);
    for (int c = 0x21; c <= 0x7E; c++) {
      add(String.valueOf((char) c));
    }
    for (int c = 0xA1; c <= 0xFF; c++) {
      add(String.valueOf((char) c));
    }
    for (int i = 0; i < CJK_COUNT; i++) {
      add(new String(Character.toChars(CJK_BASE + i)));
    }
    CJK_PUNCTUATION.codePoints().forEach(cp -> add(new String(Character.toChars(cp))));
    StringBuilder indent = new StringBuilder(META);
    for (int i = 2; i <= 16; i++) {
      indent.append(META);
      chain(indent.toString());
    }
    for (String code : CODE_TOKENS) {
      chain(code);
    }
    while (tokens.size() < FIRST_ADDED_ID) {
      int kind = random.nextInt(10);
      if (kind < 6) {
        String word = englishWord(random);
        englishWords.add(word);
        chain(META + word);
        if (random.nextInt(5) == 0) {
          chain(META + Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
      } else if (kind < 8) {
        StringBuilder word = new StringBuilder();
        for (int n = 2 + random.nextInt(3); n > 0; n--) {
          double u = random.nextDouble();
          word.appendCodePoint(CJK_BASE + (int) (CJK_COUNT * u * u));
        }
        cjkWords.add(word.toString());
        chain(word.toString());
        chain(META + word);
      } else {
        String identifier = englishWord(random) + capitalize(englishWord(random));
        codeWords.add(identifier);
        chain(identifier);
        chain(META + identifier);
      }
    }
    for (String content : ADDED) {
      add(content);
    }
    for (int k = 0; tokens.size() < VOCAB_SIZE; k++) {
      add("<|reserved_special_token_" + k + "|>");
    }
  }

  private static String englishWord(Random random) {
    StringBuilder w = new StringBuilder();
    for (int n = 1 + random.nextInt(3); n > 0; n--) {
      w.append(ONSETS.get(random.nextInt(ONSETS.size())))
          .append(VOWELS.get(random.nextInt(VOWELS.size())))
          .append(CODAS.get(random.nextInt(CODAS.size())));
    }
    return w.toString();
  }

  private static String capitalize(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }

  private void add(String token) {
    if (ids.putIfAbsent(token, tokens.size()) == null) {
      tokens.add(token);
    }
  }

  /** Adds the left-to-right merge chain of {@code entry}: (c0 c1), (c0c1 c2), ... */
  private void chain(String entry) {
    int[] cps = entry.codePoints().toArray();
    String current = new String(Character.toChars(cps[0]));
    for (int j = 1; j < cps.length && tokens.size() < FIRST_ADDED_ID; j++) {
      String next = new String(Character.toChars(cps[j]));
      String merged = current + next;
      if (!ids.containsKey(merged)) {
        add(merged);
        merges.add(current + " " + next);
      }
      current = merged;
    }
  }

  int vocabSize() {
    return tokens.size();
  }

  int mergeCount() {
    return merges.size();
  }

  List<String> englishWords() {
    return englishWords;
  }

  List<String> codeWords() {
    return codeWords;
  }

  List<String> cjkWords() {
    return cjkWords;
  }

  /** Writes the document, pretty-printed like the files Hugging Face tokenizers saves. */
  void write(Path file) throws IOException {
    JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        JsonGenerator g = mapper.createGenerator(out)) {
      g.writeStartObject();
      g.writeName("version");
      g.writeString("1.0");
      g.writeName("truncation");
      g.writeNull();
      g.writeName("padding");
      g.writeNull();
      g.writeName("added_tokens");
      g.writePOJO(addedTokens());
      g.writeName("normalizer");
      g.writePOJO(
          Map.of(
              "type",
              "Sequence",
              "normalizers",
              List.of(
                  Map.of("type", "Prepend", "prepend", META),
                  Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", META))));
      g.writeName("pre_tokenizer");
      g.writeNull();
      g.writeName("post_processor");
      g.writeNull();
      g.writeName("decoder");
      g.writePOJO(TokenizerJsonBuilder.llamaDecoder());
      g.writeName("model");
      g.writeStartObject();
      g.writeName("type");
      g.writeString("BPE");
      g.writeName("dropout");
      g.writeNull();
      g.writeName("unk_token");
      g.writeString("<unk>");
      g.writeName("fuse_unk");
      g.writeBoolean(true);
      g.writeName("byte_fallback");
      g.writeBoolean(true);
      g.writeName("vocab");
      g.writeStartObject();
      for (int id = 0; id < tokens.size(); id++) {
        g.writeName(tokens.get(id));
        g.writeNumber(id);
      }
      g.writeEndObject();
      g.writeName("merges");
      g.writeStartArray();
      for (String merge : merges) {
        g.writeString(merge);
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    }
  }

  private List<Map<String, Object>> addedTokens() {
    List<Map<String, Object>> added = new ArrayList<>();
    for (int id = 0; id < tokens.size(); id++) {
      String content = tokens.get(id);
      boolean reserved = id >= FIRST_ADDED_ID;
      if (id > 2 && !reserved) {
        continue;
      }
      boolean special = !content.contains("think") && !content.contains("tool_call");
      Map<String, Object> token = new LinkedHashMap<>();
      token.put("id", id);
      token.put("content", content);
      token.put("single_word", false);
      token.put("lstrip", false);
      token.put("rstrip", false);
      token.put("normalized", false);
      token.put("special", special);
      added.add(token);
    }
    return added;
  }
}
