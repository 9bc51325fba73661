package io.fathom.engine.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.fathom.engine.load.SafetensorsWriter.TensorSpec;
import io.fathom.engine.model.LlamaTensors;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.model.ModelConfigException;
import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CheckpointTest {

  private static final ModelConfig TINY = ModelPresets.TINY;

  @TempDir Path directory;

  @ParameterizedTest
  @EnumSource(DType.class)
  void loadsADummyCheckpointOfEachDtype(DType dtype) throws IOException {
    DummyCheckpoint.write(directory, TINY, DummyCheckpoint.Options.bf16(1).withDtype(dtype));
    try (Checkpoint checkpoint = Checkpoint.open(directory)) {
      assertThat(checkpoint.config()).isEqualTo(withDtype(TINY, dtype));
      Weights w = checkpoint.weights();
      assertThat(w.layers()).hasSize(2);
      assertThat(w.layers().get(1).kProj().shape()).containsExactly(32L, 64L);
      assertThat(w.lmHead().name()).isEqualTo("lm_head.weight");
      assertThat(checkpoint.tensors().values()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(dtype));
      assertThat(checkpoint.tensors().values()).allSatisfy(t -> assertThat(t.data().isMapped()).isTrue());
      assertThat(stats(w.finalNorm()).mean()).isCloseTo(1.0, offset(0.01));
      Stats q = stats(w.layers().get(0).qProj());
      assertThat(q.mean()).isCloseTo(0.0, offset(0.002));
      assertThat(q.std()).isCloseTo(0.02, offset(0.001));
    }
  }

  @Test
  void shardingKeepsEveryValueAndWritesAnIndex() throws IOException {
    Path single = DummyCheckpoint.write(directory.resolve("single"), TINY, DummyCheckpoint.Options.bf16(5));
    Path sharded = DummyCheckpoint.write(directory.resolve("sharded"), TINY, DummyCheckpoint.Options.bf16(5).withShards(3));
    try (Stream<Path> files = Files.list(sharded)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted())
          .containsExactly(
              "config.json",
              "model-00001-of-00003.safetensors",
              "model-00002-of-00003.safetensors",
              "model-00003-of-00003.safetensors",
              "model.safetensors.index.json");
    }
    try (Checkpoint a = Checkpoint.open(single);
        Checkpoint b = Checkpoint.open(sharded)) {
      assertThat(b.tensors().keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().keySet());
      a.tensors().forEach((name, t) -> assertThat(b.tensors().get(name).data().mismatch(t.data())).as(name).isEqualTo(-1));
    }
  }

  @Test
  void reportsAMissingTensorByName() throws IOException {
    writeWith(specs -> specs.removeIf(s -> s.name().equals("model.layers.1.mlp.up_proj.weight")));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("missing tensor 'model.layers.1.mlp.up_proj.weight' (expected shape [160, 64])");
  }

  @Test
  void reportsAWrongShapeByName() throws IOException {
    writeWith(
        specs ->
            specs.replaceAll(
                s -> s.name().equals("model.layers.0.self_attn.k_proj.weight")
                    ? new TensorSpec(s.name(), s.dtype(), List.of(64L, 64L), s.values())
                    : s));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64, 64], expected [32, 64]");
  }

  @Test
  void reportsTheFirstFewOfManyProblems() throws IOException {
    writeWith(specs -> specs.removeIf(s -> s.name().startsWith("model.layers.")));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .hasMessageContaining("missing tensor 'model.layers.0.input_layernorm.weight'")
        .hasMessageEndingWith("and 8 more");
  }

  @Test
  void reportsAnUnsupportedDtypeInTheCheckpoint() throws IOException {
    DummyCheckpoint.write(directory, TINY, DummyCheckpoint.Options.bf16(1));
    RawSafetensors.write(
        directory.resolve(Checkpoint.SINGLE_FILE),
        "{\"model.embed_tokens.weight\": {\"dtype\": \"I64\", \"shape\": [512, 64], \"data_offsets\": [0, 262144]}}",
        262144);
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .isInstanceOf(CheckpointException.class)
        .hasMessage(
            "model.safetensors: tensor 'model.embed_tokens.weight' has unsupported dtype I64; the engine reads [BF16, F16, F32]");
  }

  @Test
  void reportsATruncatedCheckpoint() throws IOException {
    DummyCheckpoint.write(directory, TINY, DummyCheckpoint.Options.bf16(1));
    Path file = directory.resolve(Checkpoint.SINGLE_FILE);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor 'lm_head.weight': data ends at byte")
        .hasMessageContaining("truncated");
  }

  @Test
  void reportsAnIndexThatPointsAtTheWrongShardOrOutsideTheDirectory() throws IOException {
    DummyCheckpoint.write(directory, TINY, DummyCheckpoint.Options.bf16(1).withShards(2));
    Path index = directory.resolve(Checkpoint.INDEX);
    String original = Files.readString(index);
    Files.writeString(
        index,
        original.replace(
            "\"model.norm.weight\" : \"model-00002-of-00002.safetensors\"",
            "\"model.norm.weight\" : \"model-00001-of-00002.safetensors\""));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .hasMessage(
            "model.safetensors.index.json: weight_map puts tensor 'model.norm.weight' in"
                + " model-00001-of-00002.safetensors, which does not contain it");
    Files.writeString(
        index,
        original.replace(
            "\"model.norm.weight\" : \"model-00002-of-00002.safetensors\"",
            "\"model.norm.weight\" : \"../model-00002-of-00002.safetensors\""));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .hasMessageContaining("weight_map[\"model.norm.weight\"] must name a .safetensors file in the checkpoint directory");
    Files.delete(directory.resolve("model-00002-of-00002.safetensors"));
    Files.writeString(index, original);
    assertThatThrownBy(() -> Checkpoint.open(directory)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void reportsAConfigItCannotRunAndAMissingWeightsFile() throws IOException {
    DummyCheckpoint.write(directory, TINY, DummyCheckpoint.Options.bf16(1));
    Path config = directory.resolve(Checkpoint.CONFIG);
    String original = Files.readString(config);
    Files.writeString(config, original.replace("\"attention_bias\" : false", "\"attention_bias\" : true"));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("attention_bias");
    Files.writeString(config, original);
    Files.delete(directory.resolve(Checkpoint.SINGLE_FILE));
    assertThatThrownBy(() -> Checkpoint.open(directory))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json exists");
  }

  @Test
  void theSameSeedWritesTheSameBytes() throws IOException {
    Path a = DummyCheckpoint.write(directory.resolve("a"), TINY, DummyCheckpoint.Options.bf16(9));
    Path b = DummyCheckpoint.write(directory.resolve("b"), TINY, DummyCheckpoint.Options.bf16(9));
    Path c = DummyCheckpoint.write(directory.resolve("c"), TINY, DummyCheckpoint.Options.bf16(10));
    byte[] bytesA = Files.readAllBytes(a.resolve(Checkpoint.SINGLE_FILE));
    assertThat(Files.readAllBytes(b.resolve(Checkpoint.SINGLE_FILE))).isEqualTo(bytesA);
    assertThat(Files.readAllBytes(c.resolve(Checkpoint.SINGLE_FILE))).isNotEqualTo(bytesA);
  }

  /** Writes config.json and a model.safetensors holding the tiny model's tensors, edited by {@code edit}. */
  private void writeWith(Consumer<List<TensorSpec>> edit) throws IOException {
    Files.writeString(directory.resolve(Checkpoint.CONFIG), DummyCheckpoint.configJson(TINY, DType.BF16));
    List<TensorSpec> specs = new ArrayList<>();
    for (Map.Entry<String, List<Long>> e : LlamaTensors.expectedShapes(TINY).entrySet()) {
      specs.add(new TensorSpec(e.getKey(), DType.BF16, e.getValue(), i -> 0.01f));
    }
    edit.accept(specs);
    SafetensorsWriter.write(directory.resolve(Checkpoint.SINGLE_FILE), specs);
  }

  private record Stats(double mean, double std) {}

  private static Stats stats(Tensor t) {
    double sum = 0;
    double squares = 0;
    long n = t.elementCount();
    for (long i = 0; i < n; i++) {
      double v = t.get(i);
      sum += v;
      squares += v * v;
    }
    double mean = sum / n;
    return new Stats(mean, Math.sqrt(squares / n - mean * mean));
  }

  private static ModelConfig withDtype(ModelConfig c, DType dtype) {
    String name =
        switch (dtype) {
          case BF16 -> "bfloat16";
          case F16 -> "float16";
          case F32 -> "float32";
        };
    return new ModelConfig(
        c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(),
        c.headDim(), c.vocabSize(), c.rmsNormEps(), c.ropeTheta(), c.maxPositionEmbeddings(),
        c.tieWordEmbeddings(), name);
  }
}
