package io.fathom.protocol.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark (not a test): generates a synthetic Nanbeige-sized tokenizer.json (166,144 tokens, ~160k merges, fixed
 * seed), then measures loading (median of 5) and encoding throughput on ~10 MB of mixed prose / code / CJK text
 * (median of 5). Targets: load &lt; 1 s, encode &ge; 1 MB/s.
 *
 * <p>Run from the repository root with a Java 25 {@code JAVA_HOME}:
 *
 * <pre>
 * ./mvnw -B -o -q -pl inference-worker/protocol test-compile &amp;&amp; "$JAVA_HOME/bin/java" \
 *     -cp inference-worker/protocol/target/classes:inference-worker/protocol/target/test-classes:$(./mvnw -B -o -q \
 *     -pl inference-worker/protocol dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout) \
 *     io.fathom.protocol.tokenizer.TokenizerBenchmark
 * </pre>
 */
public final class TokenizerBenchmark {

  private static final int RUNS = 5;
  private static final long CORPUS_BYTES = 10_000_000;

  private TokenizerBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("tokenizer-benchmark");
    Path file = dir.resolve("tokenizer.json");
    try {
      run(file);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  private static void run(Path file) throws IOException {
    long t0 = System.nanoTime();
    SyntheticTokenizerJson synthetic = SyntheticTokenizerJson.generate(42);
    synthetic.write(file);
    System.out.printf(
        Locale.ROOT,
        "generated %s: %,d tokens, %,d merges, %.1f MB (%.1f s)%n",
        file.getFileName(),
        synthetic.vocabSize(),
        synthetic.mergeCount(),
        Files.size(file) / 1e6,
        seconds(System.nanoTime() - t0));

    double[] loads = new double[RUNS];
    HfTokenizer tokenizer = null;
    for (int i = 0; i < RUNS; i++) {
      long start = System.nanoTime();
      tokenizer = HfTokenizer.load(file);
      loads[i] = seconds(System.nanoTime() - start);
    }
    System.out.printf(
        Locale.ROOT, "load: median %.3f s  runs %s  (vocab %,d, merges %,d, words cut before \u2581: %s)%n",
        median(loads), format(loads), tokenizer.vocabSize(), tokenizer.mergeCount(),
        tokenizer.splitsBeforeMetaspace());

    List<String> documents = SyntheticCorpus.documents(synthetic, 7, CORPUS_BYTES);
    long bytes = 0;
    for (String doc : documents) {
      bytes += doc.getBytes(StandardCharsets.UTF_8).length;
    }
    double megabytes = bytes / 1e6;
    double[] throughput = new double[RUNS];
    long tokenCount = 0;
    for (int i = 0; i < RUNS; i++) {
      long start = System.nanoTime();
      tokenCount = 0;
      for (String doc : documents) {
        tokenCount += tokenizer.encode(doc).length;
      }
      throughput[i] = megabytes / seconds(System.nanoTime() - start);
    }
    System.out.printf(
        Locale.ROOT,
        "encode: median %.1f MB/s  runs %s  (%,d documents, %.1f MB, %,d tokens, %.2f bytes/token)%n",
        median(throughput), format(throughput), documents.size(), megabytes, tokenCount,
        (double) bytes / tokenCount);

    String whole = String.join("\n", documents);
    double[] wholeThroughput = new double[3];
    int[] wholeIds = null;
    for (int i = 0; i < wholeThroughput.length; i++) {
      long start = System.nanoTime();
      wholeIds = tokenizer.encode(whole);
      wholeThroughput[i] = megabytes / seconds(System.nanoTime() - start);
    }
    System.out.printf(
        Locale.ROOT, "encode as one %.1f MB string: median %.1f MB/s  runs %s%n",
        megabytes, median(wholeThroughput), format(wholeThroughput));

    long start = System.nanoTime();
    String decoded = tokenizer.decode(wholeIds, false);
    double decodeSeconds = seconds(System.nanoTime() - start);
    System.out.printf(
        Locale.ROOT, "decode: %.1f M tokens/s, round trip %s%n",
        wholeIds.length / decodeSeconds / 1e6, decoded.equals(whole) ? "ok" : "MISMATCH");
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String format(double[] values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", values[i]));
    }
    return sb.append(']').toString();
  }
}
