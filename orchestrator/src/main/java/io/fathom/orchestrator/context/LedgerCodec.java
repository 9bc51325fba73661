package io.fathom.orchestrator.context;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Bytes for a ledger's stored parts (PostgreSQL {@code bytea}): the prompt ids ({@link #encodeIds}) and one
 * {@link RoundDelta} per round ({@link #encodeDelta}).
 *
 * <p>Format (version 1). Integers are unsigned LEB128 varints (7 bits a byte, low first, at most 5 bytes, value
 * at most {@link Integer#MAX_VALUE}): token ids below 16,384 take 2 bytes and Nanbeige's 166,144-entry
 * vocabulary never needs more than 3, against 4 for little-endian int32. Strings are a varint byte length and
 * UTF-8.
 * <pre>
 *   ids:   "FTI1"  count  id*
 *   delta: "FLD1"  round  finishReason  count id* (assistant)  count id* (tool responses)  count string* (results)
 * </pre>
 *
 * <p>Decoding is strict: a wrong magic, a truncated or over-long varint, a count larger than the bytes left
 * (checked before allocating), invalid UTF-8, an out-of-range value or trailing bytes throw a
 * {@link LedgerCodecException} naming the field and offset. Stateless; all methods are static.
 */
public final class LedgerCodec {

  private static final byte[] IDS_MAGIC = {'F', 'T', 'I', '1'};
  private static final byte[] DELTA_MAGIC = {'F', 'L', 'D', '1'};

  /** Longest finish reason stored, in UTF-8 bytes. */
  public static final int MAX_FINISH_REASON_BYTES = 64;

  private LedgerCodec() {}

  /** The ids as bytes. */
  public static byte[] encodeIds(TokenIds ids) {
    Objects.requireNonNull(ids, "ids");
    ByteArrayOutputStream out = new ByteArrayOutputStream(4 + 5 + ids.length() * 3);
    out.writeBytes(IDS_MAGIC);
    writeIds(out, ids);
    return out.toByteArray();
  }

  /**
   * The ids of bytes made by {@link #encodeIds}.
   *
   * @throws LedgerCodecException if the bytes are malformed
   */
  public static TokenIds decodeIds(byte[] bytes) {
    Reader in = new Reader(bytes, "token ids");
    in.magic(IDS_MAGIC);
    TokenIds ids = in.ids("ids");
    in.end();
    return ids;
  }

  /** The delta as bytes. */
  public static byte[] encodeDelta(RoundDelta delta) {
    Objects.requireNonNull(delta, "delta");
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(32 + delta.tokens() * 3 + delta.toolResults().stream().mapToInt(String::length).sum() * 2);
    out.writeBytes(DELTA_MAGIC);
    writeVarint(out, delta.round());
    byte[] finish = delta.finishReason().getBytes(StandardCharsets.UTF_8);
    if (finish.length > MAX_FINISH_REASON_BYTES) {
      throw new IllegalArgumentException(
          "finishReason is " + finish.length + " bytes; at most " + MAX_FINISH_REASON_BYTES + " are stored");
    }
    writeBytes(out, finish);
    writeIds(out, delta.assistant());
    writeIds(out, delta.toolResponses());
    writeVarint(out, delta.toolResults().size());
    for (String result : delta.toolResults()) {
      writeBytes(out, result.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  /**
   * The delta of bytes made by {@link #encodeDelta}.
   *
   * @throws LedgerCodecException if the bytes are malformed or describe an invalid delta
   */
  public static RoundDelta decodeDelta(byte[] bytes) {
    Reader in = new Reader(bytes, "ledger delta");
    in.magic(DELTA_MAGIC);
    int round = in.varint("round");
    if (round < 1) {
      throw in.error("round", "round must be >= 1, found " + round);
    }
    String finish = in.string("finishReason", MAX_FINISH_REASON_BYTES);
    TokenIds assistant = in.ids("assistant ids");
    TokenIds tools = in.ids("tool-response ids");
    int count = in.count("tool result count", 1);
    List<String> results = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      results.add(in.string("tool result " + i, Integer.MAX_VALUE));
    }
    in.end();
    try {
      return new RoundDelta(round, assistant, finish, tools, results);
    } catch (IllegalArgumentException e) {
      throw new LedgerCodecException("malformed ledger delta: " + e.getMessage());
    }
  }

  private static void writeIds(ByteArrayOutputStream out, TokenIds ids) {
    writeVarint(out, ids.length());
    for (int i = 0; i < ids.length(); i++) {
      int id = ids.get(i);
      if (id < 0) {
        throw new IllegalArgumentException("token id " + id + " at index " + i + " is negative");
      }
      writeVarint(out, id);
    }
  }

  private static void writeBytes(ByteArrayOutputStream out, byte[] bytes) {
    writeVarint(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    int v = value;
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  /** Reads one encoded value, tracking the offset for error messages. */
  private static final class Reader {
    private final byte[] bytes;
    private final String what;
    private int pos;

    Reader(byte[] bytes, String what) {
      this.bytes = Objects.requireNonNull(bytes, "bytes");
      this.what = what;
    }

    LedgerCodecException error(String field, String problem) {
      return new LedgerCodecException("malformed " + what + " (" + bytes.length + " bytes): " + field + " at byte "
          + pos + ": " + problem);
    }

    void magic(byte[] magic) {
      if (bytes.length < magic.length) {
        throw error("header", "too short for the 4-byte header");
      }
      for (int i = 0; i < magic.length; i++) {
        if (bytes[i] != magic[i]) {
          throw error("header", "expected \"" + new String(magic, StandardCharsets.US_ASCII) + "\" (format version 1)");
        }
      }
      pos = magic.length;
    }

    int varint(String field) {
      int start = pos;
      long value = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        if (pos >= bytes.length) {
          pos = start;
          throw error(field, "truncated varint");
        }
        int b = bytes[pos++] & 0xFF;
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          if (value > Integer.MAX_VALUE) {
            pos = start;
            throw error(field, "value " + value + " is larger than " + Integer.MAX_VALUE);
          }
          return (int) value;
        }
      }
      pos = start;
      throw error(field, "varint longer than 5 bytes");
    }

    /** A count of items that take at least {@code minBytesEach} bytes each: cannot exceed what is left. */
    int count(String field, int minBytesEach) {
      int count = varint(field);
      long left = bytes.length - pos;
      if ((long) count * minBytesEach > left) {
        throw error(field, count + " items cannot fit in the " + left + " bytes left");
      }
      return count;
    }

    TokenIds ids(String field) {
      int n = count(field + " count", 1);
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = varint(field + "[" + i + "]");
      }
      return TokenIds.wrap(ids);
    }

    String string(String field, int maxBytes) {
      int n = count(field + " length", 1);
      if (n > maxBytes) {
        throw error(field, n + " bytes; at most " + maxBytes + " allowed");
      }
      CharsetDecoder decoder =
          StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
      try {
        String s = decoder.decode(ByteBuffer.wrap(bytes, pos, n)).toString();
        pos += n;
        return s;
      } catch (CharacterCodingException e) {
        throw error(field, "invalid UTF-8");
      }
    }

    void end() {
      if (pos != bytes.length) {
        throw error("end", (bytes.length - pos) + " trailing bytes");
      }
    }
  }
}
