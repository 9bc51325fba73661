package io.fathom.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case: a second request that shares a 2,000-token prefix with the first prefills only
 * what is new — the tokens past the shared full blocks — and answers as a fresh engine would.
 */
class LongPrefixTest {

  private static final int VOCAB = ModelPresets.TINY.vocabSize();

  @TempDir Path directory;

  @Test
  void aSharedTwoThousandTokenPrefixIsPrefilledOnce() throws IOException {
    Path checkpoint = TinyEngine.write(directory, ModelPresets.TINY);
    EngineConfig config = EngineConfig.defaults().withMaxTokensPerStep(512).withSessionTtl(Duration.ofMinutes(5));
    int[] shared = TinyEngine.prompt(2000, VOCAB, 11);
    int[] first = IntStream.concat(Arrays.stream(shared), Arrays.stream(TinyEngine.prompt(30, VOCAB, 12))).toArray();
    int[] second = IntStream.concat(Arrays.stream(shared), Arrays.stream(TinyEngine.prompt(50, VOCAB, 13))).toArray();
    SamplingParams params = SamplingParams.greedy().withMaxTokens(4);
    try (TinyEngine tiny = TinyEngine.open(checkpoint, 16, 300, config)) {
      tiny.generate(first, params, null);
      long before = tiny.engine.stats().promptTokensComputed();
      GenerationHandle handle = tiny.generate(second, params, null);
      int cachedBlocks = 2000 / 16; // 125 full blocks: the whole shared prefix
      assertThat(handle.usage().cachedPromptTokens()).isEqualTo(cachedBlocks * 16);
      assertThat(handle.usage().computedPromptTokens()).isEqualTo(second.length - cachedBlocks * 16);
      assertThat(tiny.engine.stats().promptTokensComputed() - before).isEqualTo(50);
      try (TinyEngine fresh = TinyEngine.open(checkpoint, 16, 300, config)) {
        assertThat(handle.tokens()).containsExactly(fresh.generate(second, params, null).tokens());
      }
    }
  }
}
