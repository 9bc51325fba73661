package io.fathom.engine.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetensorsFileTest {

  @TempDir Path directory;

  @Test
  void mapsEveryTensorInPlace() throws IOException {
    Path file = directory.resolve("t.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            new SafetensorsWriter.TensorSpec("a", DType.F32, List.of(2L, 3L), i -> i * 0.5f),
            new SafetensorsWriter.TensorSpec("b", DType.BF16, List.of(5L), i -> -i),
            new SafetensorsWriter.TensorSpec("c", DType.F16, List.of(), i -> 0.25f)));
    try (Arena arena = Arena.ofConfined()) {
      SafetensorsFile st = SafetensorsFile.open(file, arena);
      assertThat(st.tensors().keySet()).containsExactly("a", "b", "c");
      assertThat(st.metadata()).containsEntry("format", "pt");
      Tensor a = st.tensors().get("a");
      assertThat(a.shape()).containsExactly(2L, 3L);
      assertThat(a.get(5)).isEqualTo(2.5f);
      assertThat(a.data().isMapped()).isTrue();
      assertThat(st.tensors().get("b").get(4)).isEqualTo(-4f);
      assertThat(st.tensors().get("c").get(0)).isEqualTo(0.25f);
    }
  }

  @Test
  void mapsFilesLargerThan2GiB() throws IOException {
    long big = 3L << 30; // a 3 GiB tensor; the file is sparse, so this takes no disk space
    String header =
        "{\"big\": {\"dtype\": \"F32\", \"shape\": [3, 268435456], \"data_offsets\": [0, " + big + "]},"
            + " \"tail\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [" + big + ", " + (big + 4) + "]}}";
    Path file = RawSafetensors.write(directory.resolve("big.safetensors"), header, 0);
    long dataStart = Files.size(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0}), dataStart + big); // 1.0, -2.0
    }
    try (Arena arena = Arena.ofConfined()) {
      SafetensorsFile st = SafetensorsFile.open(file, arena);
      Tensor tail = st.tensors().get("tail");
      assertThat(tail.get(0)).isEqualTo(1.0f);
      assertThat(tail.get(1)).isEqualTo(-2.0f);
      Tensor bigTensor = st.tensors().get("big");
      assertThat(bigTensor.elementCount()).isEqualTo(3L << 28);
      assertThat(bigTensor.get(bigTensor.elementCount() - 1)).isEqualTo(0f);
    }
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"x\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}|16|tensor 'x' has unsupported dtype I64",
        "{\"x\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [0, 2]}}|2|tensor 'x' has unsupported dtype F8_E4M3",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}|10|data ends at byte 16 of the data section, but the file holds only 10",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 12]}}|16|span 12 bytes, but shape [4] of F32 needs 16",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}|16|end before they begin",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}|16|\"shape\" must hold non-negative integers",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}|16|\"data_offsets\" must be an array of 2",
        "{\"x\": {\"shape\": [2], \"data_offsets\": [0, 8]}}|16|\"dtype\" must be a string",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 8]}}|16|is too large",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"y\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}|16|tensors 'x' and 'y' overlap",
        "{\"x\": 3}|16|header entry must be an object",
        "{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}|16|not valid JSON",
        "[1, 2]|0|header must be a JSON object",
        "{\"__metadata__\": {\"format\": 1}}|0|\"__metadata__\".format must be a string",
      })
  void rejectsBadHeadersNamingTheTensor(String header, int dataBytes, String message) throws IOException {
    Path file = RawSafetensors.write(directory.resolve("bad.safetensors"), header, dataBytes);
    assertOpenFails(file, "bad.safetensors: ", message);
  }

  @Test
  void rejectsAHeaderLengthBeyondTheFile() throws IOException {
    byte[] header = "{}".getBytes();
    Path file = RawSafetensors.write(directory.resolve("long.safetensors"), 1000, header, 0);
    assertOpenFails(file, "long.safetensors: ", "header length 1000 runs past the end of the file (10 bytes)");
  }

  @Test
  void rejectsAHeaderLengthAboveTheLimitAndAnUnsignedOverflow() throws IOException {
    Path file = RawSafetensors.write(directory.resolve("huge.safetensors"), SafetensorsFile.MAX_HEADER_BYTES + 1, "{}".getBytes(), 0);
    assertOpenFails(file, "huge.safetensors: ", "above the limit of 100000000 bytes");
    Path negative = RawSafetensors.write(directory.resolve("neg.safetensors"), -8, "{}".getBytes(), 0);
    assertOpenFails(negative, "neg.safetensors: ", "header length 18446744073709551608 is above the limit");
  }

  @Test
  void rejectsAFileTooShortForTheLengthField() throws IOException {
    Path file = Files.write(directory.resolve("short.safetensors"), new byte[] {1, 2, 3});
    assertOpenFails(file, "short.safetensors: ", "3 bytes, too short");
  }

  @Test
  void rejectsAFileTruncatedInsideItsData() throws IOException {
    Path file = directory.resolve("cut.safetensors");
    SafetensorsWriter.write(
        file,
        List.of(
            new SafetensorsWriter.TensorSpec("first", DType.BF16, List.of(64L), i -> 1f),
            new SafetensorsWriter.TensorSpec("second", DType.BF16, List.of(64L), i -> 2f)));
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length - 10));
    assertOpenFails(file, "cut.safetensors: ", "tensor 'second': data ends at byte 256 of the data section, but the file holds only 246");
  }

  private static void assertOpenFails(Path file, String prefix, String message) {
    try (Arena arena = Arena.ofConfined()) {
      assertThatThrownBy(() -> SafetensorsFile.open(file, arena))
          .isInstanceOf(CheckpointException.class)
          .hasMessageStartingWith(prefix)
          .hasMessageContaining(message);
    }
  }
}
