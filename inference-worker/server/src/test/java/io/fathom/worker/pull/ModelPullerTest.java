package io.fathom.worker.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelPullerTest {

  @TempDir Path tmp;
  private FakeHub hub;
  private Path models;
  private byte[] weights;

  @BeforeEach
  void start() throws IOException {
    weights = new byte[300_000];
    new Random(7).nextBytes(weights);
    hub = new FakeHub()
        .file("config.json", "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8), false)
        .file("tokenizer.json", "{\"model\":{}}".getBytes(StandardCharsets.UTF_8), false)
        .file("chat_template.jinja", "{{ messages }}".getBytes(StandardCharsets.UTF_8), false)
        .file("model.safetensors", weights, true)
        .file("README.md", "# tiny".getBytes(StandardCharsets.UTF_8), false)
        .file("original/consolidated.pth", new byte[1000], true);
    models = tmp.resolve("models");
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private ModelPuller.Result pull(String... extra) throws Exception {
    return puller(extra).pull();
  }

  private ModelPuller puller(String... extra) {
    String[] args = Stream.concat(
        Stream.of(FakeHub.REPO, "--dir", models.toString(), "--endpoint", hub.endpoint(), "--retries", "0"),
        Stream.of(extra)).toArray(String[]::new);
    PullOptions o = PullOptions.parse(args, Map.of());
    o = new PullOptions(o.repo(), o.revision(), o.dir(), o.endpoint(), o.token(), o.all(), o.retries(),
        Duration.ofMillis(10));
    return new ModelPuller(o, PullProgress.quiet());
  }

  private Path repoDir() {
    return models.resolve("acme/tiny-model");
  }

  private List<String> filesOnDisk() throws IOException {
    try (Stream<Path> s = Files.walk(tmp)) {
      return s.filter(Files::isRegularFile).map(p -> tmp.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void downloadsTheWorkerFilesFollowingTheCdnRedirect() throws Exception {
    ModelPuller.Result r = pull();

    assertThat(r.commit()).isEqualTo(FakeHub.COMMIT);
    assertThat(r.downloaded()).isEqualTo(4);
    assertThat(filesOnDisk()).containsExactly(
        "models/acme/tiny-model/chat_template.jinja", "models/acme/tiny-model/config.json",
        "models/acme/tiny-model/model.safetensors", "models/acme/tiny-model/tokenizer.json");
    assertThat(Files.readAllBytes(repoDir().resolve("model.safetensors"))).isEqualTo(weights);
    assertThat(Files.readString(repoDir().resolve("config.json"))).isEqualTo("{\"model_type\":\"llama\"}");
    assertThat(hub.downloads()).extracting(FakeHub.Request::path)
        .contains("/acme/tiny-model/resolve/" + FakeHub.COMMIT + "/model.safetensors")
        .anyMatch(p -> p.startsWith("/cdn/"));
  }

  @Test
  void allTakesEveryFileIncludingSubfolders() throws Exception {
    pull("--all");
    assertThat(filesOnDisk()).contains("models/acme/tiny-model/README.md",
        "models/acme/tiny-model/original/consolidated.pth");
  }

  @Test
  void resumesAnInterruptedDownloadWithARangeRequest() throws Exception {
    hub.cutOnce.add("model.safetensors");
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class)
        .hasMessageContaining("model.safetensors").hasMessageContaining("resume");
    Path part = repoDir().resolve("model.safetensors.part");
    long have = Files.size(part);
    assertThat(have).isPositive().isLessThan(weights.length);
    assertThat(repoDir().resolve("model.safetensors")).doesNotExist();

    hub.requests.clear();
    ModelPuller.Result r = pull();

    assertThat(hub.downloads()).extracting(FakeHub.Request::range).contains("bytes=" + have + "-");
    assertThat(r.bytesDownloaded()).isEqualTo(weights.length - have);
    assertThat(Files.readAllBytes(repoDir().resolve("model.safetensors"))).isEqualTo(weights);
    assertThat(part).doesNotExist();
  }

  @Test
  void retriesWithinOneRunWhenAllowed() throws Exception {
    hub.cutOnce.add("model.safetensors");
    pull("--retries", "1");
    assertThat(hub.downloads()).extracting(FakeHub.Request::range).anyMatch(r -> r != null && r.startsWith("bytes="));
    assertThat(Files.readAllBytes(repoDir().resolve("model.safetensors"))).isEqualTo(weights);
  }

  @Test
  void aServerIgnoringRangeRestartsTheFile() throws Exception {
    hub.cutOnce.add("model.safetensors");
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class);
    assertThat(repoDir().resolve("model.safetensors.part")).exists();
    hub.ignoreRange = true;

    ModelPuller.Result r = pull();

    assertThat(r.bytesDownloaded()).isEqualTo(weights.length);
    assertThat(Files.readAllBytes(repoDir().resolve("model.safetensors"))).isEqualTo(weights);
    assertThat(repoDir().resolve("model.safetensors.part")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(longs = {9999, 3})
  void aSizeMismatchIsAnErrorAndLeavesNoFile(long listed) throws Exception {
    hub.listedSize.put("tokenizer.json", listed);
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class)
        .hasMessageContaining("size mismatch for tokenizer.json").hasMessageContaining("lists " + listed + " bytes");
    assertThat(repoDir().resolve("tokenizer.json")).doesNotExist();
    assertThat(repoDir().resolve("tokenizer.json.part")).doesNotExist();
  }

  @Test
  void aChecksumMismatchIsAnErrorAndLeavesNoFile() throws Exception {
    hub.listedSha.put("model.safetensors", "ab".repeat(32));
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class)
        .hasMessageContaining("checksum mismatch for model.safetensors").hasMessageContaining("ab".repeat(32));
    assertThat(repoDir().resolve("model.safetensors")).doesNotExist();
    assertThat(repoDir().resolve("model.safetensors.part")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../evil", "../../evil", "a/../../evil", "/tmp/evil", "a//b", "./config.json", "a\\\\..\\\\evil"})
  void refusesHostilePaths(String path) throws Exception {
    hub.extraListed.add(path);
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class).hasMessageContaining("refusing the file path");
    assertThat(filesOnDisk()).isEmpty();
    assertThat(hub.downloads()).isEmpty();
  }

  @Test
  void completeFilesAreNotFetchedAgain() throws Exception {
    pull();
    hub.requests.clear();
    ModelPuller.Result r = pull();
    assertThat(r.downloaded()).isZero();
    assertThat(hub.downloads()).isEmpty();
  }

  @Test
  void aTruncatedFinalFileIsFetchedAgain() throws Exception {
    pull();
    Files.write(repoDir().resolve("config.json"), new byte[3]);
    hub.requests.clear();
    ModelPuller.Result r = pull();
    assertThat(r.downloaded()).isEqualTo(1);
    assertThat(Files.readString(repoDir().resolve("config.json"))).isEqualTo("{\"model_type\":\"llama\"}");
  }

  @Test
  void aMissingTokenSaysToSetHfToken() throws Exception {
    hub.requiredToken = "hf_secret";
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class).hasMessageContaining("HF_TOKEN");
    hub.requests.clear();
    pull("--token", "hf_secret");
    assertThat(hub.requests).isNotEmpty().allMatch(q -> "Bearer hf_secret".equals(q.authorization()));
  }

  @Test
  void theTokenDoesNotFollowARedirectToAnotherHost() throws Exception {
    try (FakeHub cdn = new FakeHub()) {
      cdn.files.putAll(hub.files);
      hub.cdnBase = cdn.endpoint();
      hub.requiredToken = "hf_secret";
      pull("--token", "hf_secret");
      assertThat(cdn.requests).isNotEmpty().allMatch(q -> q.authorization() == null);
      assertThat(Files.readAllBytes(repoDir().resolve("model.safetensors"))).isEqualTo(weights);
    }
  }

  @Test
  void anUnknownRepositoryIsNotFound() {
    PullOptions o = new PullOptions("acme/nope", "main", models, hub.endpoint(), null, false, 0, Duration.ZERO);
    assertThatThrownBy(() -> new ModelPuller(o, PullProgress.quiet()).pull()).isInstanceOf(PullException.class)
        .hasMessageContaining("acme/nope").hasMessageContaining("not found");
  }

  @Test
  void aRepositoryWithoutSafetensorsIsNoWorkerModel() {
    hub.files.remove("model.safetensors");
    assertThatThrownBy(this::pull).isInstanceOf(PullException.class).hasMessageContaining("model*.safetensors");
  }

  @Test
  void progressIsPlainLinesOffATerminal() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PullOptions o = new PullOptions(FakeHub.REPO, "main", models, hub.endpoint(), null, false, 0, Duration.ZERO);
    new ModelPuller(o, new PullProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)).pull();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("\r").contains("model.safetensors: done, 300 kB / 300 kB 100%");
  }

  @Test
  void parsesOptionsWithEnvironmentDefaults() {
    PullOptions o = PullOptions.parse(new String[] {"Nanbeige/Nanbeige4.1-3B"},
        Map.of("FATHOM_MODELS_DIR", "/m", "HF_ENDPOINT", "https://mirror.example/", "HF_TOKEN", "t"));
    assertThat(o.repoDir()).isEqualTo(Path.of("/m/Nanbeige/Nanbeige4.1-3B"));
    assertThat(o.endpoint()).isEqualTo("https://mirror.example");
    assertThat(o.token()).isEqualTo("t");
    assertThat(o.revision()).isEqualTo("main");

    PullOptions d = PullOptions.parse(new String[] {"--revision=v1", "https://huggingface.co/a/b", "--all"}, Map.of());
    assertThat(d.repo()).isEqualTo("a/b");
    assertThat(d.dir()).isEqualTo(Path.of("models"));
    assertThat(d.endpoint()).isEqualTo("https://huggingface.co");
    assertThat(d.all()).isTrue();
    assertThat(d.revision()).isEqualTo("v1");

    assertThatThrownBy(() -> PullOptions.parse(new String[] {"../x"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PullOptions.parse(new String[] {}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
