package io.fathom.engine.cpu;

import io.fathom.engine.backend.Backend;
import io.fathom.engine.backend.Logits;
import io.fathom.engine.backend.LogitsScope;
import io.fathom.engine.backend.Segment;
import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.LayerWeights;
import io.fathom.engine.load.Weights;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * The CPU {@link Backend}: the Llama forward pass for a batch of sequences: embed the new tokens, run every decoder layer
 * (RMSNorm → q/k/v → RoPE → cache → causal GQA → o, residual; RMSNorm → SwiGLU MLP, residual), apply the
 * final norm and the output head. Prefill passes many tokens at once, decode passes one; either way the
 * tokens' keys and values are appended to the sequence's KV blocks. Activations are f32 on the heap,
 * weights are read in place (or, with {@link WeightFormat#INT8}, the linear weights are quantized once when
 * the pass is built), keys and values live off-heap in the {@link KvCache}.
 *
 * <p>Several sequences run in one pass ({@link #forward(List)}): their rows share every weight multiplication,
 * so a decode step of eight sequences reads the weights once, not eight times.
 *
 * <p>Thread-safe as long as no two calls share a {@link BlockTable}.
 */
public final class CpuForwardPass implements Backend {

  private final ModelConfig config;
  private final Weights weights;
  private final KvCache cache;
  private final ParallelRunner parallel;
  private final Rope rope;
  private final Attention attention;
  private final WeightFormat format;
  private final List<Projections> projections;
  private final Linear lmHead;
  /** Where phase times go, or null (the default): not timed. */
  private volatile PhaseTimes profile;

  /** The linear weights of one layer, in the pass's {@link WeightFormat}. */
  private record Projections(
      Linear q, Linear k, Linear v, Linear o, Linear gate, Linear up, Linear down) {}

  /** A pass over the weights as the checkpoint stores them. */
  public CpuForwardPass(ModelConfig config, Weights weights, KvCache cache, ParallelRunner parallel) {
    this(config, weights, cache, parallel, WeightFormat.AS_STORED);
  }

  /**
   * A pass over the linear weights in {@code format}. {@link WeightFormat#INT8} quantizes them here, on
   * {@code parallel}'s threads, into automatically managed off-heap memory that lives as long as the pass.
   */
  public CpuForwardPass(
      ModelConfig config, Weights weights, KvCache cache, ParallelRunner parallel, WeightFormat format) {
    KvLayout expected = KvLayout.of(config, cache.layout().blockSize(), cache.layout().dtype());
    if (!cache.layout().equals(expected)) {
      throw new IllegalArgumentException("KV cache layout " + cache.layout() + " does not fit the model: " + expected);
    }
    this.config = config;
    this.weights = weights;
    this.cache = cache;
    this.parallel = parallel;
    this.rope = new Rope(config);
    this.attention = new Attention(config);
    this.format = format;
    Arena arena = Arena.ofAuto(); // shared: the runner's threads read (and, while quantizing, write) it
    List<Projections> layers = new ArrayList<>(weights.layers().size());
    for (LayerWeights w : weights.layers()) {
      layers.add(
          new Projections(
              Linear.of(w.qProj(), format, arena, parallel),
              Linear.of(w.kProj(), format, arena, parallel),
              Linear.of(w.vProj(), format, arena, parallel),
              Linear.of(w.oProj(), format, arena, parallel),
              Linear.of(w.gateProj(), format, arena, parallel),
              Linear.of(w.upProj(), format, arena, parallel),
              Linear.of(w.downProj(), format, arena, parallel)));
    }
    this.projections = List.copyOf(layers);
    this.lmHead = Linear.of(weights.lmHead(), format, arena, parallel);
  }

  /** Times every later pass's phases into {@code times}; null stops timing. For benchmarks. */
  public void profile(PhaseTimes times) {
    this.profile = times;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  public WeightFormat weightFormat() {
    return format;
  }

  /**
   * Runs {@code tokens} at the positions after those already cached in {@code sequence}, appends their
   * keys and values to it, and returns the logits of the last token, of every token or of none
   * ({@link LogitsScope}).
   *
   * @throws IllegalArgumentException for an empty batch, a token id outside the vocabulary, or a sequence
   *     that would outgrow {@code max_position_embeddings}
   * @throws io.fathom.engine.kv.KvCacheFullException if the cache has no room for the new tokens
   */
  public Logits forward(BlockTable sequence, int[] tokens, LogitsScope scope) {
    return forward(List.of(new Segment(sequence, tokens, scope))).getFirst();
  }

  /**
   * Runs several sequences' new tokens in one pass: their rows go through each weight matrix together (the
   * weights are read once for the whole batch), while attention, the cache and the logits stay per
   * sequence. A sequence's logits come from the same arithmetic as when it runs alone. Returns one
   * {@link Logits} per segment, in order.
   *
   * @throws IllegalArgumentException for an empty batch or segment, a sequence listed twice, a token id
   *     outside the vocabulary, or a sequence that would outgrow {@code max_position_embeddings}; nothing is
   *     reserved or run then
   * @throws io.fathom.engine.kv.KvCacheFullException if the cache has no room for the new tokens
   */
  @Override
  public List<Logits> forward(List<Segment> segments) {
    int count = segments.size();
    if (count == 0) {
      throw new IllegalArgumentException("a forward pass needs at least one sequence");
    }
    BlockTable[] tables = new BlockTable[count];
    int n = 0;
    for (int s = 0; s < count; s++) {
      Segment segment = segments.get(s);
      tables[s] = segment.sequence();
      for (int other = 0; other < s; other++) {
        if (tables[other] == tables[s]) {
          throw new IllegalArgumentException("segments " + other + " and " + s + " run the same sequence");
        }
      }
      checkInput(segment.tokens(), segment.sequence().tokenCount());
      n = Math.addExact(n, segment.tokens().length);
    }
    int[] tokens = new int[n];
    int[] positions = new int[n];
    int[] segmentOf = new int[n];
    int[] firstRow = new int[count];
    int[] starts = new int[count];
    for (int s = 0, row = 0; s < count; s++) {
      int[] own = segments.get(s).tokens();
      firstRow[s] = row;
      starts[s] = tables[s].tokenCount();
      for (int t = 0; t < own.length; t++, row++) {
        tokens[row] = own[t];
        positions[row] = starts[s] + t;
        segmentOf[row] = s;
      }
    }
    for (int s = 0; s < count; s++) {
      tables[s].reserve(segments.get(s).tokens().length, cache);
    }

    int hidden = config.hiddenSize();
    float[] x = new float[n * hidden];
    float[] normed = new float[n * hidden];
    float[] q = new float[n * config.queryDim()];
    float[] k = new float[n * config.kvDim()];
    float[] v = new float[n * config.kvDim()];
    float[] attended = new float[n * config.queryDim()];
    float[] projected = new float[n * hidden];
    float[] gate = new float[n * config.intermediateSize()];
    float[] up = new float[n * config.intermediateSize()];
    Rope.Angles angles = rope.angles(positions);

    PhaseTimes times = profile;
    if (times != null) {
      times.start();
    }
    embed(tokens, x);
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      LayerWeights w = weights.layers().get(layer);
      Projections p = projections.get(layer);
      RmsNorm.apply(x, normed, n, w.inputNorm(), config.rmsNormEps());
      lap(times, PhaseTimes.Phase.ELEMENTWISE);
      p.q().multiply(normed, q, n, parallel);
      p.k().multiply(normed, k, n, parallel);
      p.v().multiply(normed, v, n, parallel);
      lap(times, PhaseTimes.Phase.QKV);
      rope.rotate(q, n, config.numAttentionHeads(), angles);
      rope.rotate(k, n, config.numKeyValueHeads(), angles);
      for (int s = 0; s < count; s++) {
        attention.store(cache, tables[s], layer, k, v, firstRow[s], segments.get(s).tokens().length, starts[s]);
      }
      lap(times, PhaseTimes.Phase.ROPE_AND_CACHE);
      attention.attend(cache, tables, segmentOf, positions, layer, q, attended, parallel);
      lap(times, PhaseTimes.Phase.ATTENTION);
      p.o().multiply(attended, projected, n, parallel);
      lap(times, PhaseTimes.Phase.OUT);
      addInPlace(x, projected, n * hidden);

      RmsNorm.apply(x, normed, n, w.postAttentionNorm(), config.rmsNormEps());
      lap(times, PhaseTimes.Phase.ELEMENTWISE);
      p.gate().multiply(normed, gate, n, parallel);
      p.up().multiply(normed, up, n, parallel);
      lap(times, PhaseTimes.Phase.GATE_UP);
      SwiGlu.apply(gate, up, n * config.intermediateSize());
      lap(times, PhaseTimes.Phase.ELEMENTWISE);
      p.down().multiply(gate, projected, n, parallel);
      lap(times, PhaseTimes.Phase.DOWN);
      addInPlace(x, projected, n * hidden);
    }
    for (int s = 0; s < count; s++) {
      tables[s].advance(segments.get(s).tokens().length);
    }
    lap(times, PhaseTimes.Phase.ELEMENTWISE);
    List<Logits> logits = logits(segments, firstRow, x);
    lap(times, PhaseTimes.Phase.HEAD);
    return logits;
  }

  private static void lap(PhaseTimes times, PhaseTimes.Phase phase) {
    if (times != null) {
      times.lap(phase);
    }
  }

  /** The output head over the rows the segments asked for, all in one multiplication. */
  private List<Logits> logits(List<Segment> segments, int[] firstRow, float[] x) {
    int hidden = config.hiddenSize();
    int vocab = config.vocabSize();
    int[] rowsOf = new int[segments.size()];
    int rows = 0;
    for (int s = 0; s < segments.size(); s++) {
      Segment segment = segments.get(s);
      rowsOf[s] = switch (segment.scope()) {
        case NONE -> 0;
        case LAST -> 1;
        case ALL -> segment.tokens().length;
      };
      rows += rowsOf[s];
    }
    float[] all = new float[0];
    if (rows > 0) {
      float[] last = new float[rows * hidden];
      for (int s = 0, row = 0; s < segments.size(); s++) {
        int from = firstRow[s] + segments.get(s).tokens().length - rowsOf[s];
        System.arraycopy(x, from * hidden, last, row * hidden, rowsOf[s] * hidden);
        row += rowsOf[s];
      }
      float[] finalNormed = new float[rows * hidden];
      RmsNorm.apply(last, finalNormed, rows, weights.finalNorm(), config.rmsNormEps());
      all = new float[rows * vocab];
      lmHead.multiply(finalNormed, all, rows, parallel);
    }
    List<Logits> result = new ArrayList<>(segments.size());
    for (int s = 0, row = 0; s < segments.size(); s++) {
      if (segments.size() == 1) {
        result.add(new Logits(rowsOf[s], vocab, all));
      } else {
        float[] own = new float[rowsOf[s] * vocab];
        System.arraycopy(all, row * vocab, own, 0, own.length);
        result.add(new Logits(rowsOf[s], vocab, own));
      }
      row += rowsOf[s];
    }
    return result;
  }

  private void checkInput(int[] tokens, int start) {
    if (tokens.length == 0) {
      throw new IllegalArgumentException("a forward pass needs at least one token");
    }
    if ((long) start + tokens.length > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "sequence of " + start + " cached + " + tokens.length + " new tokens exceeds max_position_embeddings ("
              + config.maxPositionEmbeddings() + ")");
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "tokens[" + i + "] = " + tokens[i] + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
  }

  /** Copies each token's row of the embedding matrix into {@code x}, widened to f32. */
  private void embed(int[] tokens, float[] x) {
    Tensor table = weights.embedTokens();
    int hidden = config.hiddenSize();
    for (int t = 0; t < tokens.length; t++) {
      long row = (long) tokens[t] * hidden;
      int i = 0;
      for (; i + WeightVectors.LANES <= hidden; i += WeightVectors.LANES) {
        WeightVectors.load(table.dtype(), table.data(), row + i).intoArray(x, t * hidden + i);
      }
      for (; i < hidden; i++) {
        x[t * hidden + i] = table.get(row + i);
      }
    }
  }

  private static void addInPlace(float[] x, float[] delta, int length) {
    int i = 0;
    for (; i + WeightVectors.LANES <= length; i += WeightVectors.LANES) {
      FloatVector.fromArray(WeightVectors.F32, x, i)
          .add(FloatVector.fromArray(WeightVectors.F32, delta, i))
          .intoArray(x, i);
    }
    for (; i < length; i++) {
      x[i] += delta[i];
    }
  }
}
