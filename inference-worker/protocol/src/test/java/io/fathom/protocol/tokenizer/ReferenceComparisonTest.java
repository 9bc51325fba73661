package io.fathom.protocol.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Compares the main encoder with {@link ReferenceTokenizer} on a vocabulary of ~2,000 merges trained inside the test
 * on a generated corpus, for thousands of random strings (fixed seeds).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceComparisonTest {

  private static final String META = TokenizerJsonBuilder.META;
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final String PUNCTUATION = ".,;:!?()[]{}<>=+-*/\"'_#";
  private static final String CJK = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年";
  private static final List<String> ADDED =
      List.of("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "</tool_call>");

  /** A trained vocabulary and the ids of its added tokens. */
  private record Trained(TokenizerJsonBuilder builder, Map<String, Integer> addedIds) {}

  private Trained crossWord;
  private Trained wordLevel;
  private final List<String> lexicon = new ArrayList<>();

  @BeforeAll
  void trainVocabularies() {
    Random random = new Random(20240601);
    String[] onsets = {"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "th", "st", "pr"};
    String[] vowels = {"a", "e", "i", "o", "u", "ee", "ou", "ai"};
    for (int i = 0; i < 400; i++) {
      StringBuilder w = new StringBuilder();
      for (int s = 1 + random.nextInt(3); s > 0; s--) {
        w.append(onsets[random.nextInt(onsets.length)]).append(vowels[random.nextInt(vowels.length)]);
        if (random.nextInt(3) == 0) {
          w.append(onsets[random.nextInt(onsets.length)]);
        }
      }
      lexicon.add(w.toString());
    }
    // cross-word: training units of one to three words, so that some merges cross ▁ ("a▁" and the like)
    crossWord = train(random, 2, 2_000);
    // word-level, like SentencePiece: tokens never contain ▁ after another character
    wordLevel = train(random, 0, 1_500);
  }

  /** Trains {@code merges} merges on units of 1 + random(0..extraWords) words, normalised like Prepend/Replace. */
  private Trained train(Random random, int extraWords, int merges) {
    Map<String, Integer> units = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder unit = new StringBuilder();
      for (int k = 1 + (extraWords > 0 && random.nextInt(4) == 0 ? random.nextInt(extraWords + 1) : 0); k > 0; k--) {
        unit.append(META).append(randomWord(random));
      }
      units.merge(unit.toString(), 1, Integer::sum);
    }
    BpeTrainer trainer = new BpeTrainer(units);
    int alphabetSize = trainer.alphabetSize();
    List<String> learned = trainer.train(merges);
    assertThat(learned).hasSize(merges);

    TokenizerJsonBuilder builder = new TokenizerJsonBuilder();
    builder.tokens("<unk>", "<s>", "</s>").byteTokens();
    trainer.alphabet(alphabetSize).forEach(builder::tokens);
    for (String merge : learned) {
      String[] pair = merge.split(" ");
      builder.merge(pair[0], pair[1]);
    }
    Map<String, Integer> addedIds = new LinkedHashMap<>();
    int id = builder.vocab().size();
    for (String content : ADDED) {
      builder.added(id, content, !content.contains("think") && !content.contains("tool"));
      addedIds.put(content, id++);
    }
    return new Trained(builder, addedIds);
  }

  /** A word of the corpus: mostly lexicon words, sometimes code, numbers or CJK. */
  private String randomWord(Random random) {
    return switch (random.nextInt(10)) {
      case 0 -> randomFrom(random, CJK, 1 + random.nextInt(3));
      case 1 -> randomFrom(random, PUNCTUATION, 1 + random.nextInt(2));
      case 2 -> Integer.toString(random.nextInt(2000));
      default -> lexicon.get((int) Math.min(lexicon.size() - 1, Math.abs(random.nextGaussian()) * 60));
    };
  }

  private static String randomFrom(Random random, String chars, int count) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < count; i++) {
      sb.append(chars.charAt(random.nextInt(chars.length())));
    }
    return sb.toString();
  }

  /** Random input: corpus-like words plus whitespace runs, unseen characters, emoji and added tokens. */
  private String randomInput(Random random, int pieces) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      switch (random.nextInt(16)) {
        case 0 -> sb.append(" ".repeat(1 + random.nextInt(5)));
        case 1 -> sb.append(random.nextBoolean() ? "\n" : "\t");
        case 2 -> sb.appendCodePoint(0x1F300 + random.nextInt(0x300)); // emoji: byte fallback
        case 3 -> sb.appendCodePoint(0x3400 + random.nextInt(0x1000)); // CJK not in the alphabet
        case 4 -> sb.append(ADDED.get(random.nextInt(ADDED.size())));
        case 5 -> sb.append(randomFrom(random, LETTERS + PUNCTUATION + CJK, 1 + random.nextInt(4)));
        case 6 -> sb.append("é\u00DF\u0301");
        default -> sb.append(random.nextInt(4) == 0 ? "" : " ").append(randomWord(random));
      }
    }
    return sb.toString();
  }

  private void compare(ReferenceTokenizer.Mode mode, Map<String, Object> normalizer, Map<String, Object> pre) {
    compare(crossWord, false, mode, normalizer, pre);
    compare(wordLevel, true, mode, normalizer, pre);
  }

  private void compare(
      Trained trained,
      boolean splitsBeforeMeta,
      ReferenceTokenizer.Mode mode,
      Map<String, Object> normalizer,
      Map<String, Object> pre) {
    TokenizerJsonBuilder builder = trained.builder();
    HfTokenizer tokenizer = builder.normalizer(normalizer).preTokenizer(pre).build();
    assertThat(tokenizer.splitsBeforeMetaspace()).as("splits words before ▁").isEqualTo(splitsBeforeMeta);
    ReferenceTokenizer reference =
        new ReferenceTokenizer(builder.vocab(), builder.merges(), trained.addedIds(), mode);
    Random random = new Random(mode.ordinal() * 1_000_003L + 17);
    for (int n = 0; n < 2_000; n++) {
      String text = randomInput(random, random.nextInt(12));
      int[] expected = reference.encode(text).stream().mapToInt(Integer::intValue).toArray();
      int[] actual = tokenizer.encode(text);
      if (!Arrays.equals(actual, expected)) {
        throw new AssertionError(
            mode + " case " + n + " " + Arrays.toString(text.codePoints().toArray()) + ": expected "
                + Arrays.toString(expected) + " but was " + Arrays.toString(actual));
      }
    }
    for (int n = 0; n < 5; n++) { // a few long inputs, many merges per word
      String text = randomInput(random, 400);
      assertThat(tokenizer.encode(text))
          .as("%s long case %d", mode, n)
          .containsExactly(reference.encode(text).stream().mapToInt(Integer::intValue).toArray());
    }
  }

  @Test
  void matchesReferenceWithPrependNormalizer() {
    compare(
        ReferenceTokenizer.Mode.PREPEND_NORMALIZER,
        Map.of(
            "type",
            "Sequence",
            "normalizers",
            List.of(
                Map.of("type", "Prepend", "prepend", META),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", META))),
        null);
  }

  @Test
  void matchesReferenceWithMetaspaceFirst() {
    compare(
        ReferenceTokenizer.Mode.METASPACE_FIRST,
        null,
        Map.of("type", "Metaspace", "replacement", META, "prepend_scheme", "first", "split", false));
  }

  @Test
  void matchesReferenceWithMetaspaceAlwaysSplit() {
    compare(
        ReferenceTokenizer.Mode.METASPACE_ALWAYS_SPLIT,
        null,
        Map.of("type", "Metaspace", "replacement", META, "prepend_scheme", "always", "split", true));
  }

  @Test
  void trainedVocabularyRoundTrips() {
    HfTokenizer tokenizer =
        crossWord
            .builder()
            .normalizer(null)
            .preTokenizer(Map.of("type", "Metaspace", "replacement", META, "prepend_scheme", "first", "split", false))
            .build();
    Random random = new Random(99);
    for (int n = 0; n < 2_000; n++) {
      String text = randomInput(random, random.nextInt(12)).stripLeading();
      assertThat(tokenizer.decode(tokenizer.encode(text), false)).isEqualTo(text);
    }
  }
}
