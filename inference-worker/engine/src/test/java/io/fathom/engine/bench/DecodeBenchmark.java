package io.fathom.engine.bench;

import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.Logits;
import io.fathom.engine.cpu.LogitsScope;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.cpu.WeightFormat;
import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.load.DummyCheckpoint;
import io.fathom.engine.load.LayerWeights;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;

/**
 * Benchmark (not a test): single-sequence prefill and decode throughput of the CPU engine on a dummy
 * checkpoint (random weights of a preset's shape, written to a temporary directory and memory-mapped, as
 * {@code --load-format dummy} would) or on a checkpoint directory. Each run prefills a random prompt, then
 * decodes greedily; after one warm-up run it prints the median of the measured runs.
 *
 * <p>Options: {@code --preset tiny|small|nanbeige4.1-3b} (default small), {@code --checkpoint DIR} (instead
 * of a preset), {@code --dtype bf16|f16|f32}, {@code --threads N} (default: available processors),
 * {@code --prompt N} (default 128), {@code --decode N} (default 64), {@code --runs N} (default 5),
 * {@code --quantize none|int8} (default none: the linear weights as stored).
 *
 * <p>Run from the repository root with a Java 25 {@code JAVA_HOME}:
 *
 * <pre>
 * ./mvnw -B -o -q -pl inference-worker/engine test-compile &amp;&amp; "$JAVA_HOME/bin/java" \
 *     --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp inference-worker/engine/target/classes:inference-worker/engine/target/test-classes:$(./mvnw -B -o -q \
 *     -pl inference-worker/engine dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout) \
 *     io.fathom.engine.bench.DecodeBenchmark --preset small
 * </pre>
 */
public final class DecodeBenchmark {

  private DecodeBenchmark() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = parse(args);
    int threads = Integer.parseInt(options.getOrDefault("threads", "" + Runtime.getRuntime().availableProcessors()));
    int promptLength = Integer.parseInt(options.getOrDefault("prompt", "128"));
    int decodeLength = Integer.parseInt(options.getOrDefault("decode", "64"));
    int runs = Integer.parseInt(options.getOrDefault("runs", "5"));
    DType dtype = DType.valueOf(options.getOrDefault("dtype", "bf16").toUpperCase(Locale.ROOT));
    WeightFormat format = WeightFormat.fromOption(options.getOrDefault("quantize", "none"));

    Path temporary = null;
    Path directory;
    if (options.containsKey("checkpoint")) {
      directory = Path.of(options.get("checkpoint"));
    } else {
      String preset = options.getOrDefault("preset", "small");
      ModelConfig config = ModelPresets.named(preset);
      temporary = Files.createTempDirectory("decode-benchmark");
      long start = System.nanoTime();
      directory = DummyCheckpoint.write(temporary, config, DummyCheckpoint.Options.bf16(1).withDtype(dtype));
      System.out.printf(Locale.ROOT, "wrote dummy '%s' checkpoint (%s) in %.1f s%n", preset, dtype, seconds(start));
    }
    try (Checkpoint checkpoint = Checkpoint.open(directory);
        ParallelRunner parallel = new ParallelRunner(threads)) {
      run(checkpoint, parallel, format, promptLength, decodeLength, runs);
    } finally {
      if (temporary != null) {
        try (Stream<Path> files = Files.walk(temporary)) {
          for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }

  private static void run(
      Checkpoint checkpoint, ParallelRunner parallel, WeightFormat format, int promptLength, int decodeLength, int runs) {
    ModelConfig config = checkpoint.config();
    long weightBytes = checkpoint.tensors().values().stream().mapToLong(t -> t.data().byteSize()).sum();
    if (format == WeightFormat.INT8) {
      weightBytes += int8Savings(checkpoint);
    }
    System.out.printf(
        Locale.ROOT,
        "model: %d layers, hidden %d, %d/%d heads of %d, intermediate %d, vocab %d; weights %.1f MB%n",
        config.numHiddenLayers(), config.hiddenSize(), config.numAttentionHeads(), config.numKeyValueHeads(),
        config.headDim(), config.intermediateSize(), config.vocabSize(), weightBytes / 1e6);
    System.out.printf(
        Locale.ROOT, "threads %d, vector lanes %d (f32), prompt %d tokens, decode %d tokens, %d runs + 1 warm-up%n",
        parallel.threads(), FloatVector.SPECIES_PREFERRED.length(), promptLength, decodeLength, runs);

    int[] prompt = new SplittableRandom(7).ints(promptLength, 0, config.vocabSize()).toArray();
    KvLayout layout = KvLayout.of(config, KvLayout.DEFAULT_BLOCK_SIZE);
    double[] prefill = new double[runs];
    double[] decode = new double[runs];
    try (KvCache cache = KvCache.forTokens(layout, promptLength + decodeLength)) {
      long quantizeStart = System.nanoTime();
      CpuForwardPass pass = new CpuForwardPass(config, checkpoint.weights(), cache, parallel, format);
      System.out.printf(Locale.ROOT, "weights %s (%.1f MB), ready in %.2f s%n",
          format, weightBytes / 1e6, seconds(quantizeStart));
      for (int run = -1; run < runs; run++) {
        BlockTable sequence = new BlockTable(layout.blockSize());
        long start = System.nanoTime();
        Logits logits = pass.forward(sequence, prompt, LogitsScope.LAST);
        double prefillSeconds = seconds(start);
        start = System.nanoTime();
        for (int i = 0; i < decodeLength; i++) {
          logits = pass.forward(sequence, new int[] {logits.argmax(0)}, LogitsScope.LAST);
        }
        double decodeSeconds = seconds(start);
        sequence.release(cache);
        if (run >= 0) {
          prefill[run] = promptLength / prefillSeconds;
          decode[run] = decodeLength / decodeSeconds;
        }
        System.out.printf(
            Locale.ROOT, "%s: prefill %.1f tok/s, decode %.2f tok/s%n",
            run < 0 ? "warm-up" : "run " + (run + 1), promptLength / prefillSeconds, decodeLength / decodeSeconds);
      }
    }
    double decodeMedian = median(decode);
    System.out.printf(
        Locale.ROOT, "median: prefill %.1f tok/s, decode %.2f tok/s (%.1f GB/s of weights)%n",
        median(prefill), decodeMedian, decodeMedian * weightBytes / 1e9);
  }

  /**
   * How the bytes of weights change with int8 linear weights (1 byte + a 4-byte scale per 32 values instead of
   * their stored size); a tied head adds its int8 copy, as the embedding table stays as stored.
   */
  private static long int8Savings(Checkpoint checkpoint) {
    List<Tensor> linear = new ArrayList<>();
    for (LayerWeights layer : checkpoint.weights().layers()) {
      linear.addAll(List.of(layer.qProj(), layer.kProj(), layer.vProj(), layer.oProj(), layer.gateProj(),
          layer.upProj(), layer.downProj()));
    }
    long delta = 0;
    for (Tensor t : linear) {
      delta += t.elementCount() + t.elementCount() / 32 * 4 - t.data().byteSize();
    }
    Tensor head = checkpoint.weights().lmHead();
    delta += head.elementCount() + head.elementCount() / 32 * 4;
    if (!checkpoint.config().tieWordEmbeddings()) {
      delta -= head.data().byteSize();
    }
    return delta;
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

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
