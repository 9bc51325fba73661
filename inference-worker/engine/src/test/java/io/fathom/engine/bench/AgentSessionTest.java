package io.fathom.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.load.DummyCheckpoint;
import io.fathom.engine.runtime.Engine;
import io.fathom.engine.runtime.EngineConfig;
import io.fathom.engine.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent-session benchmark, 30 rounds: a session's prefix survives other traffic between rounds. */
class AgentSessionTest {

  @TempDir Path directory;

  @Test
  void eachRoundPrefillsOnlyWhatItAppended() throws IOException {
    AgentSessionBenchmark.Options options = new AgentSessionBenchmark.Options(30, 50, 12, 2, 100, 16);
    DummyCheckpoint.write(directory, AgentSessionBenchmark.MODEL, DummyCheckpoint.Options.bf16(1));
    try (Checkpoint checkpoint = Checkpoint.open(directory);
        ParallelRunner parallel = new ParallelRunner(2);
        KvCache cache = new KvCache(KvLayout.of(checkpoint.config(), options.blockSize()), options.cacheBlocks())) {
      CpuForwardPass pass = new CpuForwardPass(checkpoint.config(), checkpoint.weights(), cache, parallel);
      Engine engine = new Engine(pass, cache, EngineConfig.defaults(), new ManualClock());
      AgentSessionBenchmark.Result result =
          AgentSessionBenchmark.run(engine, checkpoint.config().vocabSize(), options, 3, round -> {});

      assertThat(result.rounds()).hasSize(30);
      for (int r = 1; r < 30; r++) {
        AgentSessionBenchmark.Round round = result.rounds().get(r);
        assertThat(round.prefilled()).as("round %d recomputes only the last sampled token", r + 1).isEqualTo(round.appended() + 1);
      }
      assertThat(result.stats().cache().evictions()).as("the other traffic had to evict").isPositive();
      double ratio = (double) result.prefilled() / result.appended();
      System.out.printf(
          Locale.ROOT, "agent session, 30 rounds: appended %d, prefilled %d (%.4f x), %d evictions%n",
          result.appended(), result.prefilled(), ratio, result.stats().cache().evictions());
      assertThat(ratio).isLessThanOrEqualTo(1.05);
    }
  }
}
