package io.fathom.orchestrator.events;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The stored form of one commit's event payloads: each payload's UTF-8 JSON text, prefixed by its
 * length (unsigned LEB128), all compressed with raw DEFLATE. PostgreSQL compresses a value only
 * when its row passes about 2 KB, which a round's events rarely do; compressed here, a job's
 * stored events take less space than its conversation. The JSON text comes back exactly as
 * written.
 */
public final class EventPayloads {

  /** No stored commit unpacks to more than this (a commit holds at most a few MiB of events). */
  public static final int MAX_UNPACKED_BYTES = 64 << 20;

  private EventPayloads() {}

  /** Packs {@code jsons} in order. */
  public static byte[] pack(List<String> jsons) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream(256);
    for (String json : jsons) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      writeLength(raw, bytes.length);
      raw.writeBytes(bytes);
    }
    byte[] input = raw.toByteArray();
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      deflater.setInput(input);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 64);
      byte[] buffer = new byte[Math.min(64 << 10, input.length + 64)];
      while (!deflater.finished()) {
        out.write(buffer, 0, deflater.deflate(buffer));
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  /**
   * Unpacks exactly {@code count} payloads.
   *
   * @throws CorruptPayloadException when the bytes are not what {@link #pack} wrote for that many
   */
  public static List<String> unpack(byte[] packed, int count) {
    byte[] raw = inflate(packed);
    List<String> out = new ArrayList<>(count);
    int[] pos = {0};
    for (int i = 0; i < count; i++) {
      int length = readLength(raw, pos);
      if (length > raw.length - pos[0]) {
        throw new CorruptPayloadException("payload " + i + " claims " + length + " bytes but " + (raw.length - pos[0]) + " remain");
      }
      out.add(new String(raw, pos[0], length, StandardCharsets.UTF_8));
      pos[0] += length;
    }
    if (pos[0] != raw.length) {
      throw new CorruptPayloadException((raw.length - pos[0]) + " bytes follow the " + count + " expected payloads");
    }
    return out;
  }

  private static byte[] inflate(byte[] packed) {
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(packed);
      ByteArrayOutputStream out = new ByteArrayOutputStream(packed.length * 3 + 64);
      byte[] buffer = new byte[16 << 10];
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new CorruptPayloadException("the compressed payload is truncated");
        }
        if (out.size() + n > MAX_UNPACKED_BYTES) {
          throw new CorruptPayloadException("the payload unpacks to more than " + MAX_UNPACKED_BYTES + " bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new CorruptPayloadException("the payload is not valid DEFLATE data: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  private static void writeLength(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  private static int readLength(byte[] raw, int[] pos) {
    int value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos[0] >= raw.length) {
        throw new CorruptPayloadException("a payload length is cut off at byte " + pos[0]);
      }
      int b = raw[pos[0]++] & 0xFF;
      value |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (value < 0) {
          throw new CorruptPayloadException("a payload length is out of range");
        }
        return value;
      }
    }
    throw new CorruptPayloadException("a payload length runs past 5 bytes");
  }

  /** Stored event bytes that cannot be read back. */
  public static final class CorruptPayloadException extends RuntimeException {
    CorruptPayloadException(String message) {
      super("stored events are corrupt: " + message);
    }
  }
}
