package io.fathom.engine.load;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors files, including broken ones. */
final class RawSafetensors {

  private RawSafetensors() {}

  static Path write(Path file, String header, int dataBytes) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return write(file, json.length, json, dataBytes);
  }

  /** A file whose length field says {@code declaredHeaderLength}, whatever the header really is. */
  static Path write(Path file, long declaredHeaderLength, byte[] header, int dataBytes) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong(declaredHeaderLength).put(header);
    for (int i = 0; i < dataBytes; i++) {
      bytes.put((byte) i);
    }
    return Files.write(file, bytes.array());
  }
}
