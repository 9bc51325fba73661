package io.fathom.worker.model;

import io.fathom.engine.load.DummyCheckpoint;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Model directories with random weights of a preset's shape ({@link ModelPresets}) and a
 * {@link SyntheticTokenizer} of the preset's vocabulary: what {@code --dummy PRESET} serves. A directory is
 * written once (into a temporary sibling, then moved into place) and reused by later starts.
 */
public final class DummyModels {

  /** Where Nanbeige4.1-3B has its ChatML tokens; the other presets have them at their last seven ids. */
  public static final int NANBEIGE_CHATML_FIRST_ID = 166_100;

  private static final String COMPLETE = ".fathom-dummy-complete";

  private DummyModels() {}

  /**
   * The model directory of {@code preset} under {@code root}, written if it is not there yet.
   *
   * @throws java.util.NoSuchElementException for an unknown preset
   */
  public static Path prepare(String preset, Path root, long seed) throws IOException {
    ModelConfig config = ModelPresets.named(preset);
    Files.createDirectories(root);
    Path dir = root.resolve(preset + "-seed" + seed);
    if (Files.exists(dir.resolve(COMPLETE))) {
      return dir;
    }
    Path tmp = Files.createTempDirectory(root, preset + ".writing-");
    try {
      // Weights around 1/sqrt(hidden): logits spread over a few units, so greedy decoding has clear winners.
      double std = 1 / Math.sqrt(config.hiddenSize());
      DummyCheckpoint.write(tmp, config, new DummyCheckpoint.Options(DType.BF16, seed, std, 1));
      int chatml = config.vocabSize() == ModelPresets.NANBEIGE_4_1_3B.vocabSize()
          ? NANBEIGE_CHATML_FIRST_ID
          : config.vocabSize() - SyntheticTokenizer.CHATML.size();
      Files.writeString(tmp.resolve(LoadedModel.TOKENIZER), SyntheticTokenizer.json(config.vocabSize(), chatml));
      Files.writeString(
          tmp.resolve(LoadedModel.TOKENIZER_CONFIG),
          "{\"bos_token\": null, \"eos_token\": \"<|im_end|>\", \"model_max_length\": "
              + config.maxPositionEmbeddings() + "}\n");
      Files.writeString(tmp.resolve(COMPLETE), preset + " seed " + seed + "\n");
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir);
      }
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      // Another process wrote it first.
      deleteTree(tmp);
      if (!Files.exists(dir.resolve(COMPLETE))) {
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
    return dir;
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }
}
