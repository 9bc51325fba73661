package io.fathom.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

  @Test
  void parsesTenantsAndFindsTheirKeys() {
    ApiKeys keys = ApiKeys.parse("alice:aaaaaaaaaaaaaaaa1, bob:bbbbbbbbbbbbbbbb2");
    assertThat(keys.tenantOf("aaaaaaaaaaaaaaaa1")).contains("alice");
    assertThat(keys.tenantOf("bbbbbbbbbbbbbbbb2")).contains("bob");
    assertThat(keys.tenantOf("aaaaaaaaaaaaaaaa")).isEmpty();
    assertThat(keys.tenantOf("")).isEmpty();
  }

  @Test
  void refusesMalformedSpecsWithoutEchoingKeys() {
    assertThatThrownBy(() -> ApiKeys.parse("alice")).hasMessageContaining("tenant:key");
    assertThatThrownBy(() -> ApiKeys.parse("alice:short")).hasMessageContaining("16").hasMessageNotContaining("short");
    assertThatThrownBy(() -> ApiKeys.parse("bad tenant:aaaaaaaaaaaaaaaa1")).hasMessageContaining("tenant");
    assertThatThrownBy(() -> ApiKeys.parse("a:aaaaaaaaaaaaaaaa1,b:aaaaaaaaaaaaaaaa1")).hasMessageContaining("twice");
    assertThatThrownBy(() -> ApiKeys.parse(" , ")).hasMessageContaining("no key");
  }

  @Test
  void generatesAKeyOnceAndKeepsIt(@TempDir Path dir) throws Exception {
    ApiKeys.GeneratedKey first = ApiKeys.loadOrCreate(dir);
    ApiKeys.GeneratedKey second = ApiKeys.loadOrCreate(dir);
    assertThat(first.created()).isTrue();
    assertThat(second.created()).isFalse();
    assertThat(second.key()).isEqualTo(first.key()).hasSizeGreaterThanOrEqualTo(32);
    assertThat(second.keys().tenantOf(first.key())).contains("default");
    assertThat(Files.getPosixFilePermissions(dir.resolve("api-key")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void anEmptyKeyFileIsAnErrorNotAnOpenDoor(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("api-key"), "\n");
    assertThatThrownBy(() -> ApiKeys.loadOrCreate(dir)).hasMessageContaining("no usable key");
  }
}
