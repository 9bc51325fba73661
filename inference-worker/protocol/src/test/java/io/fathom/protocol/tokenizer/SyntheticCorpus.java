package io.fathom.protocol.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generated documents of English-like prose, Java-like code and CJK text, built from a synthetic lexicon. */
final class SyntheticCorpus {

  private final SyntheticTokenizerJson lexicon;
  private final Random random;

  private SyntheticCorpus(SyntheticTokenizerJson lexicon, long seed) {
    this.lexicon = lexicon;
    this.random = new Random(seed);
  }

  /** Documents of 2-16 KB totalling at least {@code totalBytes} UTF-8 bytes: ~50% prose, ~30% code, ~20% CJK. */
  static List<String> documents(SyntheticTokenizerJson lexicon, long seed, long totalBytes) {
    SyntheticCorpus corpus = new SyntheticCorpus(lexicon, seed);
    List<String> documents = new ArrayList<>();
    long bytes = 0;
    while (bytes < totalBytes) {
      int kind = corpus.random.nextInt(10);
      int target = 2_000 + corpus.random.nextInt(14_000);
      String doc = kind < 5 ? corpus.prose(target) : kind < 8 ? corpus.code(target) : corpus.cjk(target);
      documents.add(doc);
      bytes += doc.getBytes(StandardCharsets.UTF_8).length;
    }
    return documents;
  }

  private String pick(List<String> words) {
    double u = random.nextDouble();
    return words.get((int) (words.size() * u * u * u));
  }

  private String prose(int targetBytes) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < targetBytes) {
      int words = 6 + random.nextInt(15);
      for (int i = 0; i < words; i++) {
        String word = pick(lexicon.englishWords());
        if (i == 0) {
          word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
        } else {
          sb.append(' ');
        }
        sb.append(word);
        int r = random.nextInt(100);
        if (r < 6) {
          sb.append(',');
        } else if (r == 6) {
          sb.append(' ').append(random.nextInt(10_000));
        } else if (r == 7) {
          sb.append(" \"").append(pick(lexicon.englishWords())).append('"');
        } else if (r == 8 && random.nextInt(4) == 0) {
          sb.append(' ').appendCodePoint(0x1F600 + random.nextInt(0x50)); // emoji: byte fallback
        }
      }
      sb.append(random.nextInt(8) == 0 ? "?" : ".");
      sb.append(random.nextInt(5) == 0 ? "\n\n" : " ");
    }
    return sb.toString();
  }

  private String code(int targetBytes) {
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    while (sb.length() < targetBytes) {
      String indent = "    ".repeat(depth);
      String a = pick(lexicon.codeWords());
      String b = pick(lexicon.codeWords());
      switch (random.nextInt(9)) {
        case 0 -> {
          sb.append(indent).append("public static void ").append(a).append("(String ").append(b).append(") {\n");
          depth = Math.min(depth + 1, 6);
        }
        case 1 -> {
          sb.append(indent).append("if (").append(a).append(" == ").append(b).append(") {\n");
          depth = Math.min(depth + 1, 6);
        }
        case 2, 3 -> {
          if (depth > 0) {
            depth--;
          }
          sb.append("    ".repeat(depth)).append("}\n");
        }
        case 4 -> sb.append(indent).append("// ").append(pick(lexicon.englishWords())).append(' ')
            .append(pick(lexicon.englishWords())).append('\n');
        case 5 -> sb.append(indent).append("return ").append(a).append('.').append(b).append("();\n");
        case 6 -> sb.append(indent).append("int ").append(a).append(" = ").append(random.nextInt(1000)).append(";\n");
        default -> sb.append(indent).append(a).append('(').append(b).append(", \"").append(pick(lexicon.englishWords()))
            .append("\");\n");
      }
    }
    return sb.toString();
  }

  private String cjk(int targetBytes) {
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    while (bytes < targetBytes) {
      int start = sb.length();
      int words = 5 + random.nextInt(15);
      for (int i = 0; i < words; i++) {
        if (random.nextInt(30) == 0) {
          sb.append(' ').append(pick(lexicon.englishWords())).append(' ');
        } else {
          sb.append(pick(lexicon.cjkWords()));
        }
        if (random.nextInt(8) == 0) {
          sb.append('，');
        }
      }
      sb.append(random.nextInt(6) == 0 ? "。\n" : "。");
      bytes += sb.substring(start).getBytes(StandardCharsets.UTF_8).length;
    }
    return sb.toString();
  }
}
