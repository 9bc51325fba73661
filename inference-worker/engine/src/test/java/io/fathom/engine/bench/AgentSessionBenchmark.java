package io.fathom.engine.bench;

import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.load.DummyCheckpoint;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.runtime.Engine;
import io.fathom.engine.runtime.EngineConfig;
import io.fathom.engine.runtime.EngineStats;
import io.fathom.engine.runtime.GenerationHandle;
import io.fathom.engine.runtime.Usage;
import io.fathom.engine.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Benchmark (not a test; {@code AgentSessionTest} runs it short): a synthetic agent session. Each round's
 * prompt is the previous round's prompt and output plus about 50 new tokens (a tool result), sent with the
 * same session id, while other requests without a session run beside it and churn the cache. It prints how
 * many prompt tokens each round had to prefill against how many new tokens it appended (the previous
 * output is not counted: its keys and values were computed while it was generated). With the session pin
 * a round prefills its new tokens plus one, the last token the previous round sampled but never ran. Random
 * weights of a tiny shape (2 layers, hidden 64) with a 32k context: the point is the cache, not the model.
 *
 * <p>Options: {@code --rounds N} (default 300), {@code --new N} (mean new tokens a round, default 50),
 * {@code --output N} (tokens generated a round, default 20), {@code --other N} (other requests a round,
 * default 2), {@code --other-prompt N} (default 100), {@code --block-size N} (default 16), {@code --threads N}
 * (default 2), {@code --shape tiny|gqa} (default tiny; {@code gqa}: {@link #GQA_MODEL}).
 *
 * <pre>
 * ./mvnw -B -o -q -pl inference-worker/engine test-compile &amp;&amp; "$JAVA_HOME/bin/java" \
 *     --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp inference-worker/engine/target/classes:inference-worker/engine/target/test-classes:$(./mvnw -B -o -q \
 *     -pl inference-worker/engine dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout) \
 *     io.fathom.engine.bench.AgentSessionBenchmark --rounds 300
 * </pre>
 */
public final class AgentSessionBenchmark {

  /** The tiny test shape with a 32k context, so that 300 rounds fit. */
  public static final ModelConfig MODEL =
      new ModelConfig(64, 160, 2, 4, 2, 16, 512, 1e-5, 10_000.0, 32_768, false, "bfloat16");

  /**
   * Nanbeige4.1-3B's attention (20 query heads sharing 4 KV heads of 128 dimensions, hidden 2,560) in 2 layers
   * with a small MLP and vocabulary: at long contexts its time goes to attention, as the real model's does.
   */
  public static final ModelConfig GQA_MODEL =
      new ModelConfig(2560, 512, 2, 20, 4, 128, 512, 1e-5, 70_000_000.0, 65_536, false, "bfloat16");

  /** What to run. */
  public record Options(int rounds, int newTokens, int outputTokens, int otherRequests, int otherPrompt, int blockSize) {

    /** Tokens the session reaches, with room for the new tokens' spread. */
    int sessionTokens() {
      return rounds * (newTokens + newTokens / 5 + outputTokens) + newTokens;
    }

    /** The session's blocks plus two rounds of other traffic: the traffic must evict to run. */
    int cacheBlocks() {
      int otherBlocks = (otherPrompt + outputTokens + blockSize - 1) / blockSize + 1;
      return (sessionTokens() + blockSize - 1) / blockSize + 2 + 2 * otherRequests * otherBlocks;
    }
  }

  /**
   * One round: its prompt's length; the new tokens appended to the previous prompt and output (the "tool
   * result", which nothing has computed yet); the prompt tokens found cached and those prefilled; the time
   * from submission to its first generated token (the other requests of the round share those steps).
   */
  public record Round(int promptTokens, int appended, int cached, int prefilled, double ttftMillis) {}

  /** All rounds and the engine's counters at the end. */
  public record Result(List<Round> rounds, EngineStats stats, double seconds) {

    public long appended() {
      return rounds.stream().mapToLong(Round::appended).sum();
    }

    public long prefilled() {
      return rounds.stream().mapToLong(Round::prefilled).sum();
    }
  }

  private AgentSessionBenchmark() {}

  /** Runs the session on {@code engine} (over a model with vocabulary {@code vocab}), reporting each round. */
  public static Result run(Engine engine, int vocab, Options options, long seed, Consumer<Round> progress) {
    SplittableRandom random = new SplittableRandom(seed);
    SamplingParams agent = SamplingParams.defaults().withTemperature(0.6).withTopP(0.95).withSeed(seed).withMaxTokens(options.outputTokens());
    SamplingParams other = SamplingParams.defaults().withTemperature(0.6).withTopP(0.95).withMaxTokens(options.outputTokens());
    List<Round> rounds = new ArrayList<>();
    int[] prompt = new int[0];
    int[] output = new int[0];
    long start = System.nanoTime();
    for (int r = 0; r < options.rounds(); r++) {
      int fresh = Math.max(1, options.newTokens() + random.nextInt(-options.newTokens() / 5, options.newTokens() / 5 + 1));
      prompt = concat(prompt, output, random.ints(fresh, 0, vocab).toArray());
      GenerationHandle handle = engine.submit(prompt, agent.withSeed(seed + r), "agent");
      for (int i = 0; i < options.otherRequests(); i++) {
        engine.submit(random.ints(options.otherPrompt(), 0, vocab).toArray(), other.withSeed(random.nextLong()), null);
      }
      long submitted = System.nanoTime();
      while (handle.tokens().length == 0 && !handle.isFinished()) {
        engine.step();
      }
      double ttft = (System.nanoTime() - submitted) / 1e6;
      engine.runUntilIdle();
      if (!handle.isFinished()) {
        throw new IllegalStateException("round " + r + " did not finish");
      }
      Usage usage = handle.usage();
      Round round = new Round(prompt.length, fresh, usage.cachedPromptTokens(), usage.computedPromptTokens(), ttft);
      rounds.add(round);
      progress.accept(round);
      output = handle.tokens();
    }
    return new Result(rounds, engine.stats(), (System.nanoTime() - start) / 1e9);
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> flags = parse(args);
    Options options =
        new Options(
            Integer.parseInt(flags.getOrDefault("rounds", "300")),
            Integer.parseInt(flags.getOrDefault("new", "50")),
            Integer.parseInt(flags.getOrDefault("output", "20")),
            Integer.parseInt(flags.getOrDefault("other", "2")),
            Integer.parseInt(flags.getOrDefault("other-prompt", "100")),
            Integer.parseInt(flags.getOrDefault("block-size", "16")));
    int threads = Integer.parseInt(flags.getOrDefault("threads", "2"));
    ModelConfig model = flags.getOrDefault("shape", "tiny").equals("gqa") ? GQA_MODEL : MODEL;
    Path directory = Files.createTempDirectory("agent-session-benchmark");
    try {
      DummyCheckpoint.write(directory, model, DummyCheckpoint.Options.bf16(1));
      try (Checkpoint checkpoint = Checkpoint.open(directory);
          ParallelRunner parallel = new ParallelRunner(threads);
          KvCache cache = new KvCache(KvLayout.of(model, options.blockSize()), options.cacheBlocks())) {
        CpuForwardPass pass = new CpuForwardPass(model, checkpoint.weights(), cache, parallel);
        Engine engine = new Engine(pass, cache, EngineConfig.defaults(), InstantSource.system());
        System.out.printf(
            Locale.ROOT, "%s; cache %d blocks of %d tokens; %d threads%n",
            options, options.cacheBlocks(), options.blockSize(), threads);
        System.out.println(" round  prompt  appended  cached  prefilled  ttft_ms");
        int every = Math.max(1, options.rounds() / 20);
        Result result =
            run(engine, model.vocabSize(), options, 1, round -> {});
        for (int r = 0; r < result.rounds().size(); r++) {
          Round round = result.rounds().get(r);
          if (r < 3 || (r + 1) % every == 0) {
            System.out.printf(
                Locale.ROOT, "%6d %7d %9d %7d %10d %8.2f%n",
                r + 1, round.promptTokens(), round.appended(), round.cached(), round.prefilled(), round.ttftMillis());
          }
        }
        printTtft(result.rounds());
        EngineStats stats = result.stats();
        System.out.printf(
            Locale.ROOT,
            "session: appended %d prompt tokens over %d rounds, prefilled %d: %.4f x appended (target <= 1.05)%n",
            result.appended(), options.rounds(), result.prefilled(), (double) result.prefilled() / result.appended());
        System.out.printf(
            Locale.ROOT,
            "engine: %d steps, %d prompt + %d other tokens computed, %d preemptions; cache: %d evictions, hit rate %.3f; %.1f s%n",
            stats.steps(), stats.promptTokensComputed(), stats.otherTokensComputed(), stats.preemptions(),
            stats.cache().evictions(), stats.cache().hitRate(), result.seconds());
      }
    } finally {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** Median and p90 time to first token over tenths of the session: flat when only new tokens are prefilled. */
  private static void printTtft(List<Round> rounds) {
    int n = rounds.size();
    int parts = Math.min(10, n);
    StringBuilder line = new StringBuilder("ttft by tenth of the session (rounds: p50 / p90 ms):");
    for (int part = 0; part < parts; part++) {
      int from = part * n / parts;
      int to = (part + 1) * n / parts;
      double[] ms = rounds.subList(from, to).stream().mapToDouble(Round::ttftMillis).sorted().toArray();
      line.append(String.format(Locale.ROOT, "%n  %d-%d: %.2f / %.2f", from + 1, to, ms[ms.length / 2], ms[(int) Math.min(ms.length - 1, Math.ceil(ms.length * 0.9) - 1)]));
    }
    System.out.println(line);
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value pairs, got " + Arrays.toString(args));
      }
      options.put(args[i].substring(2), args[++i]);
    }
    return options;
  }
}
