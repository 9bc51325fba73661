package io.fathom.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {

  @TempDir Path dir;

  @Test
  void aKeyIsGeneratedOwnerOnlyOnceAndReadAfterwards() throws Exception {
    Path file = dir.resolve("a/b/worker-api-key");
    KeyFile first = KeyFile.loadOrCreate(file);
    assertThat(first.created()).isTrue();
    assertThat(first.key()).hasSize(43);
    assertThat(Files.readString(file)).isEqualTo(first.key() + "\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    KeyFile again = KeyFile.loadOrCreate(file);
    assertThat(again.created()).isFalse();
    assertThat(again.key()).isEqualTo(first.key());
    assertThat(again.toString()).doesNotContain(first.key()).contains(file.toString());
  }

  @Test
  void aKeyWrittenByHandIsUsedAsItIs() throws Exception {
    Path file = dir.resolve("key");
    Files.writeString(file, "  hand-written-key-0001 \n");
    assertThat(KeyFile.loadOrCreate(file).key()).isEqualTo("hand-written-key-0001");
  }

  @Test
  void aFileWithoutAUsableKeyIsRefusedNamingIt() throws Exception {
    Path shortKey = dir.resolve("short");
    Files.writeString(shortKey, "tiny\n");
    assertThatThrownBy(() -> KeyFile.loadOrCreate(shortKey))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(shortKey.toString())
        .hasMessageContaining("got 4")
        .hasMessageContaining("delete the file to get a new key");
    Path huge = dir.resolve("huge");
    Files.writeString(huge, "k".repeat(5000));
    assertThatThrownBy(() -> KeyFile.loadOrCreate(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(huge + " has more than 4096 bytes");
  }

  @Test
  void anUnwritablePlaceIsAClearError() throws Exception {
    Path blocker = dir.resolve("not-a-dir");
    Files.writeString(blocker, "x");
    assertThatThrownBy(() -> KeyFile.loadOrCreate(blocker.resolve("key")))
        .hasMessageContaining("cannot read or create the API key file " + blocker.resolve("key"));
  }
}
