package io.fathom.orchestrator.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class EventPayloadsTest {

  @Test
  void payloadsComeBackExactlyAsWrittenInOrder() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      List<String> jsons = new ArrayList<>();
      int n = 1 + random.nextInt(6);
      for (int i = 0; i < n; i++) {
        StringBuilder b = new StringBuilder("{\"text\": \"");
        int len = random.nextInt(trial % 10 == 0 ? 40_000 : 300);
        for (int j = 0; j < len; j++) {
          b.appendCodePoint(switch (random.nextInt(4)) {
            case 0 -> 'a' + random.nextInt(26);
            case 1 -> 0x4E00 + random.nextInt(500); // CJK: three UTF-8 bytes
            case 2 -> 0x1F600 + random.nextInt(50); // emoji: four bytes
            default -> ' ';
          });
        }
        jsons.add(b.append("\"}").toString());
      }
      assertThat(EventPayloads.unpack(EventPayloads.pack(jsons), n)).isEqualTo(jsons);
    }
    assertThat(EventPayloads.unpack(EventPayloads.pack(List.of("")), 1)).containsExactly("");
  }

  @Test
  void repetitiveJsonShrinks() {
    String result = "{\"title\": \"Result\", \"snippet\": \"the river survey station depth\"}, ".repeat(30);
    byte[] packed = EventPayloads.pack(List.of(result, "{\"round\": 3}"));
    assertThat(packed.length).isLessThan(result.length() / 5);
  }

  @Test
  void corruptBytesAreAClearErrorNotGarbage() {
    byte[] packed = EventPayloads.pack(List.of("{\"a\": 1}", "{\"b\": 2}"));
    // Fewer or more payloads than stored.
    assertThatThrownBy(() -> EventPayloads.unpack(packed, 3))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class).hasMessageContaining("cut off");
    assertThatThrownBy(() -> EventPayloads.unpack(packed, 1))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class).hasMessageContaining("bytes follow");
    // Truncated and garbled compressed data.
    assertThatThrownBy(() -> EventPayloads.unpack(Arrays.copyOf(packed, packed.length / 2), 2))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class);
    assertThatThrownBy(() -> EventPayloads.unpack(new byte[] {(byte) 0xFF, (byte) 0xFF, 1, 2}, 1))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class).hasMessageContaining("DEFLATE");
    // A length that claims more bytes than there are.
    assertThatThrownBy(() -> EventPayloads.unpack(deflate(new byte[] {(byte) 0x80, 0x01, 'x'}), 1))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class).hasMessageContaining("claims 128 bytes");
    // A length varint that never ends.
    assertThatThrownBy(() -> EventPayloads.unpack(deflate(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1}), 1))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class).hasMessageContaining("past 5 bytes");
  }

  @Test
  void aCompressionBombIsRefused() {
    byte[] zeros = new byte[EventPayloads.MAX_UNPACKED_BYTES + 1024];
    assertThatThrownBy(() -> EventPayloads.unpack(deflate(zeros), 1))
        .isInstanceOf(EventPayloads.CorruptPayloadException.class).hasMessageContaining("more than");
  }

  private static byte[] deflate(byte[] raw) {
    Deflater d = new Deflater(Deflater.BEST_SPEED, true);
    d.setInput(raw);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }
}
