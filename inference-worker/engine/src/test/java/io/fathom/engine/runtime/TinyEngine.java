package io.fathom.engine.runtime;

import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.load.DummyCheckpoint;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.engine.tensor.DType;
import io.fathom.engine.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** An engine over a tiny random checkpoint, a cache of a given number of blocks and a manual clock. */
final class TinyEngine implements AutoCloseable {

  /** Weights around 1/√hidden, as in the forward-pass tests: logits spread over a few units. */
  static final double STD = 0.125;

  final Checkpoint checkpoint;
  final ParallelRunner parallel;
  final KvCache cache;
  final ManualClock clock = new ManualClock();
  final Engine engine;

  private TinyEngine(Checkpoint checkpoint, int blockSize, int blocks, EngineConfig config) {
    this.checkpoint = checkpoint;
    this.parallel = new ParallelRunner(2, 0);
    this.cache = new KvCache(KvLayout.of(checkpoint.config(), blockSize), blocks);
    CpuForwardPass pass = new CpuForwardPass(checkpoint.config(), checkpoint.weights(), cache, parallel);
    this.engine = new Engine(pass, cache, config, clock);
  }

  static Path write(Path directory, ModelConfig config) throws IOException {
    return DummyCheckpoint.write(directory, config, new DummyCheckpoint.Options(DType.BF16, 42, STD, 1));
  }

  static TinyEngine open(Path checkpoint, int blockSize, int blocks, EngineConfig config) throws IOException {
    return new TinyEngine(Checkpoint.open(checkpoint), blockSize, blocks, config);
  }

  static int[] prompt(int length, int vocab, long seed) {
    return new SplittableRandom(seed).ints(length, 0, vocab).toArray();
  }

  /** Submits and steps until it finishes. */
  GenerationHandle generate(int[] prompt, SamplingParams params, String session) {
    GenerationHandle handle = engine.submit(prompt, params, session);
    engine.runUntilIdle();
    return handle;
  }

  @Override
  public void close() {
    cache.close();
    parallel.close();
    checkpoint.close();
  }
}
