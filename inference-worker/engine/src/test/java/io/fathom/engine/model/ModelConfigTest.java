package io.fathom.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelConfigTest {

  /** Nanbeige4.1-3B's config.json, as published (fields the engine reads, plus some it ignores). */
  private static final String NANBEIGE =
      """
      {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": false,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 166101,
        "head_dim": 128,
        "hidden_act": "silu",
        "hidden_size": 2560,
        "initializer_range": 0.02,
        "intermediate_size": 10496,
        "max_position_embeddings": 262144,
        "mlp_bias": false,
        "model_type": "llama",
        "num_attention_heads": 20,
        "num_hidden_layers": 32,
        "num_key_value_heads": 4,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": null,
        "rope_theta": 70000000,
        "tie_word_embeddings": false,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.51.0",
        "use_cache": true,
        "vocab_size": 166144
      }
      """;

  @Test
  void readsNanbeigesConfigAsThePreset() {
    ModelConfig config = ModelConfig.parse(NANBEIGE);
    assertThat(config).isEqualTo(ModelPresets.named("nanbeige4.1-3b"));
    assertThat(config.queryDim()).isEqualTo(2560);
    assertThat(config.kvDim()).isEqualTo(512);
    assertThat(config.queriesPerKvHead()).isEqualTo(5);
  }

  @Test
  void appliesHuggingFaceDefaults() {
    ModelConfig config =
        ModelConfig.parse(
            """
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 100}
            """);
    assertThat(config.headDim()).isEqualTo(16);
    assertThat(config.numKeyValueHeads()).isEqualTo(4);
    assertThat(config.rmsNormEps()).isEqualTo(1e-6);
    assertThat(config.ropeTheta()).isEqualTo(10_000.0);
    assertThat(config.maxPositionEmbeddings()).isEqualTo(2048);
    assertThat(config.tieWordEmbeddings()).isFalse();
    assertThat(config.torchDtype()).isEqualTo("float32");
  }

  @Test
  void readsTheTransformers5RopeParametersAndDtypeFields() {
    ModelConfig config =
        ModelConfig.parse(
            NANBEIGE
                .replace("\"rope_theta\": 70000000,", "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 5e5},")
                .replace("\"torch_dtype\"", "\"dtype\""));
    assertThat(config.ropeTheta()).isEqualTo(500_000.0);
    assertThat(config.torchDtype()).isEqualTo("bfloat16");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"rope_scaling\": null|\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}|rope_scaling",
        "\"attention_bias\": false|\"attention_bias\": true|attention_bias",
        "\"mlp_bias\": false|\"mlp_bias\": true|mlp_bias",
        "\"hidden_act\": \"silu\"|\"hidden_act\": \"gelu\"|hidden_act",
        "[\"LlamaForCausalLM\"]|[\"Qwen3ForCausalLM\"]|architectures",
        "\"num_key_value_heads\": 4|\"num_key_value_heads\": 3|num_key_value_heads",
        "\"head_dim\": 128|\"head_dim\": 127|head_dim",
        "\"vocab_size\": 166144|\"vocab_size\": 0|vocab_size",
        "\"hidden_size\": 2560|\"hidden_size\": 2560.5|hidden_size",
        "\"hidden_size\": 2560|\"hidden_size\": \"2560\"|hidden_size",
        "\"num_hidden_layers\": 32|\"num_hidden_layers\": 99999999999|num_hidden_layers",
        "\"rms_norm_eps\": 1e-05|\"rms_norm_eps\": -1|rms_norm_eps",
        "\"rope_theta\": 70000000|\"rope_theta\": \"big\"|rope_theta",
        "\"tie_word_embeddings\": false|\"tie_word_embeddings\": \"no\"|tie_word_embeddings",
        "\"torch_dtype\": \"bfloat16\"|\"torch_dtype\": \"int8\"|torch_dtype",
        "\"intermediate_size\": 10496,|\"intermediate_sizes\": 10496,|intermediate_size",
      })
  void rejectsWhatItCannotRunNamingTheField(String original, String replacement, String field) {
    assertThat(NANBEIGE).contains(original);
    assertThatThrownBy(() -> ModelConfig.parse(NANBEIGE.replace(original, replacement)))
        .isInstanceOfSatisfying(ModelConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
        .hasMessageStartingWith("config.json: " + field);
  }

  @Test
  void rejectsScaledRopeInRopeParameters() {
    assertThatThrownBy(
            () ->
                ModelConfig.parse(
                    NANBEIGE.replace("\"rope_scaling\": null,", "\"rope_parameters\": {\"rope_type\": \"llama3\"},")))
        .hasMessageContaining("rope_parameters.rope_type");
  }

  @Test
  void rejectsHeadsThatDoNotDivideTheHiddenSizeWhenHeadDimIsAbsent() {
    assertThatThrownBy(
            () ->
                ModelConfig.parse(
                    NANBEIGE.replace("\"head_dim\": 128,", "").replace("\"num_attention_heads\": 20", "\"num_attention_heads\": 24")))
        .isInstanceOfSatisfying(
            ModelConfigException.class, e -> assertThat(e.field()).isEqualTo("num_attention_heads"));
  }

  @Test
  void rejectsAMissingArchitectureOfAnotherFamilyAndNonJson() {
    assertThatThrownBy(() -> ModelConfig.parse("{\"model_type\": \"mistral\", \"hidden_size\": 8}"))
        .hasMessageContaining("architectures");
    assertThatThrownBy(() -> ModelConfig.parse("{not json")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ModelConfig.parse("[]")).hasMessageContaining("JSON object");
  }

  @Test
  void presetsAreValidAndNamed() {
    assertThat(ModelPresets.names()).containsExactly("nanbeige4.1-3b", "small", "tiny");
    ModelConfig tiny = ModelPresets.named("tiny");
    assertThat(tiny.queriesPerKvHead()).isEqualTo(2);
    assertThatThrownBy(() -> ModelPresets.named("huge")).hasMessageContaining("known: [nanbeige4.1-3b, small, tiny]");
  }
}
