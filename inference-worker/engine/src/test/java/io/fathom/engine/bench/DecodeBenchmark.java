package io.fathom.engine.bench;

import io.fathom.common.cli.CommandLine;
import io.fathom.common.cli.HelpRequested;
import io.fathom.engine.backend.Segment;
import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.backend.Logits;
import io.fathom.engine.backend.LogitsScope;
import io.fathom.engine.cpu.Int8Matrix;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.cpu.PhaseTimes;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;

/**
 * Benchmark (not a test): prefill and decode throughput of the CPU engine at several batch sizes, on a dummy
 * checkpoint (random weights of a preset's shape, written to a temporary directory and memory-mapped, as
 * {@code --load-format dummy} would) or on a checkpoint directory. For each batch size B, each run prefills
 * B random prompts in one pass, then decodes all B greedily together, one token each per step; the memory
 * bandwidth is measured just before and after ({@link MemoryBandwidth}) and turned into the decode ceiling
 * (bandwidth ÷ bytes of weights read per step). After one warm-up run it prints the medians.
 *
 * <p>Options: {@code --preset tiny|small|nanbeige4.1-3b} (default small), {@code --checkpoint DIR} (instead
 * of a preset), {@code --dtype bf16|f16|f32}, {@code --threads N} (default: available processors),
 * {@code --prompt N} (default 128), {@code --decode N} (default 64), {@code --runs N} (default 5),
 * {@code --quantize none|int8} (default none: the linear weights as stored), {@code --batch 1,8} (the batch
 * sizes, default 1 and 8).
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
    int[] batches = Arrays.stream(options.getOrDefault("batch", "1,8").split(",")).mapToInt(Integer::parseInt).toArray();
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
      run(checkpoint, parallel, format, batches, promptLength, decodeLength, runs);
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
      Checkpoint checkpoint, ParallelRunner parallel, WeightFormat format, int[] batches, int promptLength,
      int decodeLength, int runs) {
    ModelConfig config = checkpoint.config();
    long stepBytes = bytesReadPerStep(checkpoint, format);
    System.out.printf(
        Locale.ROOT,
        "model: %d layers, hidden %d, %d/%d heads of %d, intermediate %d, vocab %d; weights read per step %.1f MB (%s)%n",
        config.numHiddenLayers(), config.hiddenSize(), config.numAttentionHeads(), config.numKeyValueHeads(),
        config.headDim(), config.intermediateSize(), config.vocabSize(), stepBytes / 1e6, format);
    System.out.printf(
        Locale.ROOT, "threads %d, vector lanes %d (f32), prompt %d tokens, decode %d tokens, %d runs + 1 warm-up%n",
        parallel.threads(), FloatVector.SPECIES_PREFERRED.length(), promptLength, decodeLength, runs);

    int maxBatch = Arrays.stream(batches).max().orElseThrow();
    KvLayout layout = KvLayout.of(config, KvLayout.DEFAULT_BLOCK_SIZE);
    try (KvCache cache = KvCache.forTokens(layout, (long) maxBatch * (promptLength + decodeLength + layout.blockSize()));
        MemoryBandwidth bandwidth = new MemoryBandwidth(1L << 30, parallel)) {
      long quantizeStart = System.nanoTime();
      CpuForwardPass pass = new CpuForwardPass(config, checkpoint.weights(), cache, parallel, format);
      System.out.printf(Locale.ROOT, "weights ready in %.2f s%n", seconds(quantizeStart));
      ComputePeak.measure(parallel, 1); // warm-up
      double peak = ComputePeak.measure(parallel, 3);
      long macsPerToken = macsPerToken(checkpoint);
      System.out.printf(
          Locale.ROOT,
          "f32 multiply-add peak %.1f GFMA/s on %d threads; %.2f G multiply-adds a token (linear layers), so at most"
              + " %.1f tok/s of prefill or batched decode%n",
          peak, parallel.threads(), macsPerToken / 1e9, peak * 1e9 / macsPerToken);
      List<String> summary = new ArrayList<>();
      double firstDecode = 0;
      PhaseTimes times = new PhaseTimes();
      Map<PhaseTimes.Phase, Long> phaseBytes = phaseBytes(checkpoint, format);
      for (int batch : batches) {
        times.reset();
        long timedSteps = 0;
        double[] prefill = new double[runs];
        double[] decode = new double[runs];
        double[] bound = new double[runs];
        for (int run = -1; run < runs; run++) {
          double gbps = bandwidth.measure(3);
          List<BlockTable> sequences = new ArrayList<>();
          List<Segment> prompts = new ArrayList<>();
          for (int s = 0; s < batch; s++) {
            BlockTable sequence = new BlockTable(layout.blockSize());
            sequences.add(sequence);
            int[] prompt = new SplittableRandom(7 + s).ints(promptLength, 0, config.vocabSize()).toArray();
            prompts.add(new Segment(sequence, prompt, LogitsScope.LAST));
          }
          long start = System.nanoTime();
          List<Logits> logits = pass.forward(prompts);
          double prefillSeconds = seconds(start);
          pass.profile(run >= 0 ? times : null); // the measured runs' decode steps only
          start = System.nanoTime();
          for (int i = 0; i < decodeLength; i++) {
            List<Segment> step = new ArrayList<>(batch);
            for (int s = 0; s < batch; s++) {
              step.add(new Segment(sequences.get(s), new int[] {logits.get(s).argmax(0)}, LogitsScope.LAST));
            }
            logits = pass.forward(step);
          }
          double decodeSeconds = seconds(start);
          pass.profile(null);
          if (run >= 0) {
            timedSteps += decodeLength;
          }
          gbps = (gbps + bandwidth.measure(3)) / 2;
          sequences.forEach(sequence -> sequence.release(cache));
          double prefillRate = (double) batch * promptLength / prefillSeconds;
          double decodeRate = (double) batch * decodeLength / decodeSeconds;
          double boundRate = gbps * 1e9 / stepBytes;
          if (run >= 0) {
            prefill[run] = prefillRate;
            decode[run] = decodeRate;
            bound[run] = boundRate;
          }
          System.out.printf(
              Locale.ROOT,
              "batch %d %s: prefill %.1f tok/s, decode %.2f tok/s (bandwidth %.1f GB/s: one step a %.2f s bound, %.2f steps/s)%n",
              batch, run < 0 ? "warm-up" : "run " + (run + 1), prefillRate, decodeRate, gbps, 1 / boundRate, boundRate);
        }
        if (firstDecode == 0) {
          firstDecode = median(decode);
        }
        System.out.println(phaseLine(batch, times, timedSteps, phaseBytes));
        summary.add(
            String.format(
                Locale.ROOT,
                "batch %d: prefill %.1f tok/s (%.0f%% of the multiply-add peak), decode %.2f tok/s in all (%.2f per"
                    + " sequence, %.2fx batch %d); memory-bandwidth bound %.2f steps/s (%.0f%% of it reached)",
                batch, median(prefill), 100 * median(prefill) * macsPerToken / (peak * 1e9), median(decode),
                median(decode) / batch, median(decode) / firstDecode, batches[0], median(bound),
                100 * median(decode) / batch / median(bound)));
      }
      System.out.println("medians:");
      summary.forEach(line -> System.out.println("  " + line));
    }
  }

  /**
   * One decode step's time per phase, averaged over the measured runs, with the rate at which the weight
   * phases stream their matrices (bytes of those weights ÷ time).
   */
  private static String phaseLine(int batch, PhaseTimes times, long steps, Map<PhaseTimes.Phase, Long> bytes) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "batch %d decode step by phase:", batch));
    for (Map.Entry<PhaseTimes.Phase, Long> e : times.all().entrySet()) {
      double ms = e.getValue() / 1e6 / Math.max(1, steps);
      line.append(String.format(Locale.ROOT, " %s %.2f ms", e.getKey().name().toLowerCase(Locale.ROOT), ms));
      Long b = bytes.get(e.getKey());
      if (b != null && ms > 0) {
        line.append(String.format(Locale.ROOT, " (%.1f GB/s)", b / (ms / 1e3) / 1e9));
      }
      line.append(',');
    }
    line.setLength(line.length() - 1);
    return line.toString();
  }

  /** Bytes of the weights each weight phase reads in one step, in {@code format}. */
  private static Map<PhaseTimes.Phase, Long> phaseBytes(Checkpoint checkpoint, WeightFormat format) {
    Map<PhaseTimes.Phase, Long> bytes = new EnumMap<>(PhaseTimes.Phase.class);
    for (LayerWeights layer : checkpoint.weights().layers()) {
      bytes.merge(PhaseTimes.Phase.QKV, weightBytes(format, layer.qProj(), layer.kProj(), layer.vProj()), Long::sum);
      bytes.merge(PhaseTimes.Phase.OUT, weightBytes(format, layer.oProj()), Long::sum);
      bytes.merge(PhaseTimes.Phase.GATE_UP, weightBytes(format, layer.gateProj(), layer.upProj()), Long::sum);
      bytes.merge(PhaseTimes.Phase.DOWN, weightBytes(format, layer.downProj()), Long::sum);
    }
    bytes.put(PhaseTimes.Phase.HEAD, weightBytes(format, checkpoint.weights().lmHead()));
    return bytes;
  }

  private static long weightBytes(WeightFormat format, Tensor... tensors) {
    long bytes = 0;
    for (Tensor t : tensors) {
      bytes += format == WeightFormat.INT8 ? Int8Matrix.byteSize(t.dim(0), t.dim(1)) : t.data().byteSize();
    }
    return bytes;
  }

  /** Multiply-adds of the decoder layers' linear weights for one token (the output head is once a sequence). */
  private static long macsPerToken(Checkpoint checkpoint) {
    return layerLinears(checkpoint).stream().mapToLong(Tensor::elementCount).sum();
  }

  /** Every decoder layer's seven linear weights. */
  private static List<Tensor> layerLinears(Checkpoint checkpoint) {
    List<Tensor> linear = new ArrayList<>();
    for (LayerWeights layer : checkpoint.weights().layers()) {
      linear.addAll(List.of(layer.qProj(), layer.kProj(), layer.vProj(), layer.oProj(), layer.gateProj(),
          layer.upProj(), layer.downProj()));
    }
    return linear;
  }

  /**
   * Bytes of weights one step reads from memory, whatever the batch: every linear weight and the output head
   * in {@code format} (int8: one byte a weight plus a 2-byte scale per 32), and the norms; of the embedding
   * table only a row per token, which is left out.
   */
  private static long bytesReadPerStep(Checkpoint checkpoint, WeightFormat format) {
    long norms = checkpoint.weights().finalNorm().data().byteSize();
    for (LayerWeights layer : checkpoint.weights().layers()) {
      norms += layer.inputNorm().data().byteSize() + layer.postAttentionNorm().data().byteSize();
    }
    List<Tensor> linear = layerLinears(checkpoint);
    linear.add(checkpoint.weights().lmHead());
    return norms + weightBytes(format, linear.toArray(Tensor[]::new));
  }

  private static final String USAGE =
      """
      usage: ./fathom bench decode [options]
        --preset tiny|small|nanbeige4.1-3b   a dummy checkpoint of this shape (default small)
        --checkpoint DIR                     a checkpoint directory instead of a preset
        --dtype bf16|f16|f32                 the dummy's dtype (default bf16)
        --quantize none|int8                 the linear weights as stored, or int8 blocks (default none)
        --threads N                          forward-pass threads (default: the available processors)
        --prompt N  --decode N  --runs N     tokens per prompt (128), decoded per sequence (64), runs (5)
        --batch 1,8                          the batch sizes (default 1,8)
      """;

  private static final Set<String> OPTIONS =
      Set.of("--preset", "--checkpoint", "--dtype", "--quantize", "--threads", "--prompt", "--decode", "--runs", "--batch");

  private static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    try {
      for (CommandLine.Option option : CommandLine.parse(args, Set.of())) {
        if (!OPTIONS.contains(option.flag())) {
          throw new IllegalArgumentException("unknown option " + option.flag());
        }
        options.put(option.flag().substring(2), option.value());
      }
    } catch (HelpRequested help) {
      System.out.print(USAGE);
      System.exit(0);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
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
