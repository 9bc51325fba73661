package io.fathom.tools.search.bench;

import io.fathom.tools.search.CorpusStore;
import io.fathom.tools.search.IngestSettings;
import io.fathom.tools.search.IngestSource;
import io.fathom.tools.search.IngestSummary;
import io.fathom.tools.search.SearchResults;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import reactor.core.scheduler.Schedulers;

/**
 * Ingest rate and search latency of a {@link CorpusStore} on a synthetic corpus (not a test): {@code
 * --docs} documents (default 100,000) of 100 to 1,000 words drawn from a Zipf-distributed
 * vocabulary of about 50,000 made-up words and some real English ones, ingested in batches of
 * 10,000 as Markdown (a {@code #} title, then sentences), then {@code --queries} random 1 to 4 word
 * queries (default 1,000, after a warm-up of a fifth as many), top 5 with snippets. Prints the
 * figures. Run with {@code ./fathom bench search [--docs N] [--queries N] [--seed S]}.
 */
public final class SearchBenchmark {

  private static final int VOCABULARY = 50_000;
  private static final int BATCH = 10_000;
  private static final double ZIPF_EXPONENT = 1.0;
  private static final String[] ENGLISH = (
      "the of and to in is was for on that with as by at from his her they this have are not be which one had"
          + " all were there when we an their been has more would who will no if out so what up its about into"
          + " than them can only other new some time could these two may first then do any like my now over"
          + " such our man me even most made after also did many before must through back years where much your"
          + " way well down should because each just those people how too little state good very make world"
          + " still own see men work long get here between both life being under never day same another know"
          + " while last might us great old year off come since against go came right used take three water"
          + " river mountain forest harbour engine battery protein galaxy theorem market language music history"
          + " science medicine climate ocean island village computer network database algorithm garden winter"
          + " summer bridge castle library museum planet energy economy election painting").split(" ");

  private final SplittableRandom random;
  private final String[] words;
  private final double[] cumulative;

  private SearchBenchmark(long seed) {
    this.random = new SplittableRandom(seed);
    this.words = vocabulary(new Random(seed));
    this.cumulative = new double[words.length];
    double sum = 0;
    for (int rank = 0; rank < words.length; rank++) {
      sum += 1.0 / Math.pow(rank + 1, ZIPF_EXPONENT);
      cumulative[rank] = sum;
    }
    for (int rank = 0; rank < words.length; rank++) {
      cumulative[rank] /= sum;
    }
  }

  public static void main(String[] args) throws IOException {
    int docs = 100_000;
    int queries = 1_000;
    long seed = 42;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--docs" -> docs = Integer.parseInt(args[++i]);
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        default -> {
          System.err.println("usage: SearchBenchmark [--docs N] [--queries N] [--seed S]");
          System.exit(2);
        }
      }
    }
    new SearchBenchmark(seed).run(docs, queries);
  }

  private void run(int docs, int queries) throws IOException {
    Path root = Files.createTempDirectory("fathom-search-bench");
    System.out.printf(Locale.ROOT, "search benchmark: %,d documents, %,d queries, vocabulary %,d words, %d cores%n",
        docs, queries, words.length, Runtime.getRuntime().availableProcessors());
    try (CorpusStore store = new CorpusStore(root, IngestSettings.defaults(), Schedulers.boundedElastic())) {
      store.create("bench", "synthetic").block();
      long bytes = 0;
      long words = 0;
      double seconds = 0;
      long indexed = 0;
      for (int start = 0; start < docs; start += BATCH) {
        List<IngestSource> batch = new ArrayList<>();
        for (int i = start; i < Math.min(docs, start + BATCH); i++) {
          int length = 100 + random.nextInt(901);
          words += length;
          batch.add(IngestSource.of(String.format(Locale.ROOT, "doc-%06d.md", i), document(length)));
        }
        IngestSummary summary = store.ingest("bench", "synthetic", batch).block();
        bytes += summary.bytes();
        seconds += summary.seconds();
        indexed += summary.indexed();
      }
      System.out.printf(Locale.ROOT,
          "ingest: %,d documents (%,d words, %.1f MB) in %.1f s: %,.0f documents/s, %.2f MB/s%n",
          indexed, words, bytes / 1e6, seconds, indexed / seconds, bytes / 1e6 / seconds);
      System.out.printf(Locale.ROOT, "index on disk: %.1f MB%n", size(root) / 1e6);

      List<String> warmUp = queries(Math.max(1, queries / 5));
      for (String query : warmUp) {
        store.search("bench", "synthetic", query, 5).block();
      }
      List<String> measured = queries(queries);
      long[] nanos = new long[measured.size()];
      long hits = 0;
      long snippets = 0;
      for (int i = 0; i < measured.size(); i++) {
        long t0 = System.nanoTime();
        SearchResults results = store.search("bench", "synthetic", measured.get(i), 5).block();
        nanos[i] = System.nanoTime() - t0;
        hits += results.hits().size();
        snippets += results.hits().stream().mapToLong(h -> h.snippets().size()).sum();
      }
      Arrays.sort(nanos);
      System.out.printf(Locale.ROOT,
          "search (top 5 with snippets, %,d queries of 1-4 words after %,d warm-up): p50 %.2f ms, p90 %.2f ms,"
              + " p99 %.2f ms, max %.2f ms; %.2f hits and %.2f snippets per query%n",
          measured.size(), warmUp.size(), percentile(nanos, 50), percentile(nanos, 90), percentile(nanos, 99),
          nanos[nanos.length - 1] / 1e6, hits / (double) measured.size(), snippets / (double) measured.size());
      System.out.println("example: \"" + measured.getFirst() + "\" -> "
          + store.search("bench", "synthetic", measured.getFirst(), 1).block().hits());
    } finally {
      delete(root);
    }
  }

  private byte[] document(int length) {
    StringBuilder text = new StringBuilder(length * 8);
    text.append("# ");
    int titleWords = 3 + random.nextInt(6);
    for (int i = 0; i < titleWords; i++) {
      text.append(i == 0 ? capitalized(word()) : word()).append(i + 1 < titleWords ? " " : "\n\n");
    }
    int sentence = 0;
    int sentenceLength = 8 + random.nextInt(13);
    for (int i = 0; i < length; i++) {
      String word = word();
      text.append(sentence == 0 ? capitalized(word) : word);
      if (++sentence == sentenceLength) {
        text.append(random.nextInt(8) == 0 ? ".\n\n" : ". ");
        sentence = 0;
        sentenceLength = 8 + random.nextInt(13);
      } else {
        text.append(' ');
      }
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private List<String> queries(int count) {
    List<String> queries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int length = 1 + random.nextInt(4);
      StringBuilder query = new StringBuilder();
      for (int j = 0; j < length; j++) {
        query.append(j == 0 ? "" : " ").append(word());
      }
      queries.add(query.toString());
    }
    return queries;
  }

  private String word() {
    int rank = Arrays.binarySearch(cumulative, random.nextDouble());
    return words[Math.min(words.length - 1, rank < 0 ? -rank - 1 : rank)];
  }

  private static String capitalized(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }

  /** The English words and made-up ones (syllables, 2 to 4 of them), shuffled into Zipf ranks. */
  private static String[] vocabulary(Random random) {
    String[] onsets = {"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "ch",
        "st", "tr", "pl", "gr", "sh", "th"};
    String[] vowels = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
    String[] codas = {"", "", "n", "r", "s", "l", "m", "x"};
    Set<String> made = new HashSet<>(Arrays.asList(ENGLISH));
    List<String> all = new ArrayList<>(Arrays.asList(ENGLISH));
    while (all.size() < VOCABULARY + ENGLISH.length) {
      StringBuilder word = new StringBuilder();
      int syllables = 2 + random.nextInt(3);
      for (int i = 0; i < syllables; i++) {
        word.append(onsets[random.nextInt(onsets.length)]).append(vowels[random.nextInt(vowels.length)])
            .append(codas[random.nextInt(codas.length)]);
      }
      if (made.add(word.toString())) {
        all.add(word.toString());
      }
    }
    Collections.shuffle(all, random);
    return all.toArray(String[]::new);
  }

  private static double percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }

  private static long size(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static void delete(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
