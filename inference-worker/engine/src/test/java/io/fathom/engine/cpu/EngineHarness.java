package io.fathom.engine.cpu;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;

/** A loaded checkpoint with a cache, threads and a forward pass, for tests. */
final class EngineHarness implements AutoCloseable {

  final Checkpoint checkpoint;
  final ParallelRunner parallel;
  final KvCache cache;
  final CpuForwardPass pass;

  private EngineHarness(Checkpoint checkpoint, ParallelRunner parallel, KvCache cache, WeightFormat format) {
    this.checkpoint = checkpoint;
    this.parallel = parallel;
    this.cache = cache;
    this.pass = new CpuForwardPass(checkpoint.config(), checkpoint.weights(), cache, parallel, format);
  }

  /** Two threads that split even the smallest work, so the tests run the parallel paths. */
  static EngineHarness open(Path directory, int blockSize, int cacheTokens) throws IOException {
    return open(directory, blockSize, cacheTokens, WeightFormat.AS_STORED);
  }

  /** An f32 KV cache, so that logits can be held to the f64 reference's tolerance. */
  static EngineHarness open(Path directory, int blockSize, int cacheTokens, WeightFormat format) throws IOException {
    return open(directory, blockSize, cacheTokens, format, KvDtype.F32);
  }

  static EngineHarness open(Path directory, int blockSize, int cacheTokens, WeightFormat format, KvDtype kvDtype)
      throws IOException {
    Checkpoint checkpoint = Checkpoint.open(directory);
    return new EngineHarness(
        checkpoint,
        new ParallelRunner(2, 0),
        KvCache.forTokens(KvLayout.of(checkpoint.config(), blockSize, kvDtype), cacheTokens),
        format);
  }

  BlockTable newSequence() {
    return new BlockTable(cache.layout().blockSize());
  }

  @Override
  public void close() {
    cache.close();
    parallel.close();
    checkpoint.close();
  }
}
