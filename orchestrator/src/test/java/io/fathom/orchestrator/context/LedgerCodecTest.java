package io.fathom.orchestrator.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LedgerCodecTest {

  private static final RoundDelta DELTA =
      new RoundDelta(
          12, TokenIds.of(166100, 77, 0, 127, 128, 166101, 13), "stop", TokenIds.of(166100, 5, 166101, 13),
          List.of("first", "", "ünïcødé 你好 \uD83D\uDE00"));

  @Test
  void idsRoundTripAsVarints() {
    TokenIds ids = TokenIds.of(0, 1, 127, 128, 16_383, 16_384, 166_101, Integer.MAX_VALUE);
    byte[] bytes = LedgerCodec.encodeIds(ids);

    assertThat(LedgerCodec.decodeIds(bytes)).isEqualTo(ids);
    // header 4 + count 1 + ids 1+1+1+2+2+3+3+5
    assertThat(bytes).hasSize(4 + 1 + 18);
    assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly('F', 'T', 'I', '1', 8);
    assertThat(Arrays.copyOfRange(bytes, 8, 10)).containsExactly(0x80, 0x01); // 128, low 7 bits first
    assertThat(LedgerCodec.decodeIds(LedgerCodec.encodeIds(TokenIds.EMPTY))).isEqualTo(TokenIds.EMPTY);
  }

  @Test
  void deltasRoundTrip() {
    assertThat(LedgerCodec.decodeDelta(LedgerCodec.encodeDelta(DELTA))).isEqualTo(DELTA);
    RoundDelta last = new RoundDelta(3, TokenIds.of(1, 2), "length", TokenIds.EMPTY, List.of());
    assertThat(LedgerCodec.decodeDelta(LedgerCodec.encodeDelta(last))).isEqualTo(last);
  }

  @Test
  void randomDeltasRoundTrip() {
    Random random = new Random(42);
    for (int n = 0; n < 500; n++) {
      int[] a = random.ints(1 + random.nextInt(50), 0, 166_144).toArray();
      boolean tools = random.nextBoolean();
      int[] t = tools ? random.ints(1 + random.nextInt(50), 0, 166_144).toArray() : new int[0];
      List<String> results = tools ? List.of("r" + random.nextInt(), "x".repeat(random.nextInt(300))) : List.of();
      RoundDelta delta = new RoundDelta(1 + random.nextInt(1000), TokenIds.of(a), "stop", TokenIds.of(t), results);
      assertThat(LedgerCodec.decodeDelta(LedgerCodec.encodeDelta(delta))).isEqualTo(delta);
    }
  }

  @Test
  void everyTruncationIsRejected() {
    byte[] bytes = LedgerCodec.encodeDelta(DELTA);
    for (int n = 0; n < bytes.length; n++) {
      byte[] cut = Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> LedgerCodec.decodeDelta(cut)).as("%d of %d bytes", n, bytes.length)
          .isInstanceOf(LedgerCodecException.class)
          .hasMessageStartingWith("malformed ledger delta");
    }
    byte[] ids = LedgerCodec.encodeIds(TokenIds.of(1, 200, 166_101));
    for (int n = 0; n < ids.length; n++) {
      byte[] cut = Arrays.copyOf(ids, n);
      assertThatThrownBy(() -> LedgerCodec.decodeIds(cut)).isInstanceOf(LedgerCodecException.class);
    }
  }

  @Test
  void aWrongHeaderIsRejected() {
    byte[] bytes = LedgerCodec.encodeDelta(DELTA);
    bytes[3] = '2';
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(bytes))
        .hasMessage("malformed ledger delta (" + bytes.length + " bytes): header at byte 0: expected \"FLD1\" (format version 1)");
    assertThatThrownBy(() -> LedgerCodec.decodeIds(LedgerCodec.encodeDelta(DELTA))).hasMessageContaining("expected \"FTI1\"");
    assertThatThrownBy(() -> LedgerCodec.decodeIds(new byte[0])).hasMessageContaining("too short for the 4-byte header");
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] bytes = LedgerCodec.encodeDelta(DELTA);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(longer)).hasMessageContaining("1 trailing bytes");
  }

  @Test
  void overlongVarintsAndValuesOverIntMaxAreRejected() {
    byte[] sixBytes = bytes('F', 'T', 'I', '1', 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    assertThatThrownBy(() -> LedgerCodec.decodeIds(sixBytes)).hasMessageContaining("ids[0] at byte 5: varint longer than 5 bytes");
    byte[] tooBig = bytes('F', 'T', 'I', '1', 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F); // 2^32 - 1
    assertThatThrownBy(() -> LedgerCodec.decodeIds(tooBig)).hasMessageContaining("value 4294967295 is larger than 2147483647");
  }

  @Test
  void aCountLargerThanTheBytesLeftIsRejectedBeforeAllocating() {
    byte[] huge = bytes('F', 'T', 'I', '1', 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2); // count 2^31 - 1
    assertThatThrownBy(() -> LedgerCodec.decodeIds(huge))
        .hasMessageContaining("ids count at byte 9: 2147483647 items cannot fit in the 2 bytes left");
  }

  @Test
  void invalidUtf8IsRejected() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes('F', 'L', 'D', '1', 1, 4, 's', 't', 'o', 'p', 1, 7, 1, 9, 1));
    out.writeBytes(bytes(2, 0xC3, 0x28)); // a broken two-byte sequence
    byte[] bytes = out.toByteArray();
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(bytes)).hasMessageContaining("tool result 0 at byte 16: invalid UTF-8");
  }

  @Test
  void invalidDeltasAreRejected() {
    byte[] round0 = bytes('F', 'L', 'D', '1', 0, 4, 's', 't', 'o', 'p', 1, 7, 0, 0);
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(round0)).hasMessageContaining("round must be >= 1");
    byte[] resultsWithoutIds = bytes('F', 'L', 'D', '1', 1, 4, 's', 't', 'o', 'p', 1, 7, 0, 1, 1, 'x');
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(resultsWithoutIds))
        .isInstanceOf(LedgerCodecException.class)
        .hasMessageContaining("1 tool results but 0 tool-response ids");
    byte[] noAssistant = bytes('F', 'L', 'D', '1', 1, 4, 's', 't', 'o', 'p', 0, 0, 0);
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(noAssistant)).hasMessageContaining("the assistant segment has no ids");
    byte[] longFinish = new byte[4 + 1 + 1 + 65];
    System.arraycopy(bytes('F', 'L', 'D', '1', 1, 65), 0, longFinish, 0, 6);
    assertThatThrownBy(() -> LedgerCodec.decodeDelta(longFinish)).hasMessageContaining("65 bytes; at most 64 allowed");
  }

  @Test
  void negativeIdsCannotBeEncoded() {
    assertThatThrownBy(() -> LedgerCodec.encodeIds(TokenIds.of(3, -1))).hasMessageContaining("token id -1 at index 1 is negative");
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
