package io.fathom.engine.load;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Writes a {@code .safetensors} file, streaming each tensor's values so no tensor is held whole in memory. */
public final class SafetensorsWriter {

  /** The values of a tensor being written, asked for by flat element index, in increasing order. */
  @FunctionalInterface
  public interface ElementValues {
    float at(long index);
  }

  /** A tensor to write. */
  public record TensorSpec(String name, DType dtype, List<Long> shape, ElementValues values) {
    public TensorSpec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(dtype, "dtype");
      shape = List.copyOf(shape);
      Objects.requireNonNull(values, "values");
    }

    long byteSize() {
      return Tensor.elementCount(shape) * dtype.bytes();
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int BUFFER_BYTES = 1 << 20;

  private SafetensorsWriter() {}

  /** Writes {@code tensors} to {@code file} in the given order; returns the data section's size in bytes. */
  public static long write(Path file, List<TensorSpec> tensors) throws IOException {
    byte[] header = header(tensors);
    try (FileChannel out =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buffer.putLong(header.length);
      flush(out, buffer);
      out.write(ByteBuffer.wrap(header));
      long dataBytes = 0;
      MemorySegment staging = MemorySegment.ofBuffer(buffer);
      for (TensorSpec t : tensors) {
        long count = Tensor.elementCount(t.shape());
        int perChunk = BUFFER_BYTES / t.dtype().bytes();
        for (long start = 0; start < count; start += perChunk) {
          int n = (int) Math.min(perChunk, count - start);
          for (int i = 0; i < n; i++) {
            t.dtype().write(staging, i, t.values().at(start + i));
          }
          buffer.position(n * t.dtype().bytes());
          flush(out, buffer);
        }
        dataBytes += t.byteSize();
      }
      return dataBytes;
    }
  }

  /** The JSON header, padded with spaces to a multiple of 8 bytes so the data section stays aligned. */
  private static byte[] header(List<TensorSpec> tensors) {
    ObjectNode root = JSON.createObjectNode();
    long offset = 0;
    for (TensorSpec t : tensors) {
      ObjectNode entry = root.putObject(t.name());
      entry.put("dtype", t.dtype().name());
      t.shape().forEach(entry.putArray("shape")::add);
      entry.putArray("data_offsets").add(offset).add(offset + t.byteSize());
      offset += t.byteSize();
    }
    root.putObject("__metadata__").put("format", "pt");
    StringBuilder json = new StringBuilder(JSON.writeValueAsString(root));
    while (json.length() % 8 != 0) {
      json.append(' ');
    }
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void flush(FileChannel out, ByteBuffer buffer) throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
    buffer.clear();
  }
}
