package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupKeyTest {
  static final UUID VOLUME = UUID.fromString("6f0e3c1a-1b2c-4d5e-8f90-123456789abc");
  static final byte[] PROBE = "probe".getBytes(StandardCharsets.US_ASCII);

  static GroupKey key(UUID volume, String group, String token) {
    return GroupKey.derive(volume, group, token.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theKeyDependsOnVolumeGroupAndToken() {
    byte[] base = key(VOLUME, "gpu", "s3cret-token").mac(PROBE);
    assertThat(key(VOLUME, "gpu", "s3cret-token").mac(PROBE)).isEqualTo(base);
    assertThat(key(UUID.randomUUID(), "gpu", "s3cret-token").mac(PROBE)).isNotEqualTo(base);
    assertThat(key(VOLUME, "gpu2", "s3cret-token").mac(PROBE)).isNotEqualTo(base);
    assertThat(key(VOLUME, "gpu", "s3cret-tokem").mac(PROBE)).isNotEqualTo(base);
  }

  @Test
  void theTokenComesFromTheVariableOrItsFile(@TempDir Path dir) throws Exception {
    GroupKey direct = GroupKey.fromSecrets(new Secrets(Map.of("NECTAR_CACHE_GROUP_TOKEN", "s3cret-token")), VOLUME, "gpu");
    Path d = Files.createDirectory(dir.resolve("secrets"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path f = Files.createFile(d.resolve("token"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, "s3cret-token\n");
    GroupKey fromFile = GroupKey.fromSecrets(new Secrets(Map.of("NECTAR_CACHE_GROUP_TOKEN_FILE", f.toString())), VOLUME, "gpu");
    assertThat(fromFile.mac(PROBE)).isEqualTo(direct.mac(PROBE));
    assertThat(direct.group()).isEqualTo("gpu");
  }

  @Test
  void aMissingTokenNamesBothVariables() {
    assertThatThrownBy(() -> GroupKey.fromSecrets(new Secrets(Map.of()), VOLUME, "gpu"))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
        .hasMessageContaining("NECTAR_CACHE_GROUP_TOKEN ")
        .hasMessageContaining("NECTAR_CACHE_GROUP_TOKEN_FILE")
        .hasMessageContaining("gpu");
  }

  @Test
  void anUnreadableTokenFileIsNamedNotShown(@TempDir Path dir) {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> GroupKey.fromSecrets(new Secrets(Map.of("NECTAR_CACHE_GROUP_TOKEN_FILE", missing.toString())), VOLUME, "gpu"))
        .hasMessageContaining(missing.toString());
  }

  @Test
  void toStringNeverShowsTheSecret() {
    GroupKey k = key(VOLUME, "gpu", "s3cret-token");
    assertThat(k.toString()).isEqualTo("GroupKey[group=gpu]").doesNotContain("s3cret");
  }

  @Test
  void emptyTokensAndGroupsAreRefused() {
    assertThatThrownBy(() -> key(VOLUME, "gpu", "")).hasMessageContaining("empty group token");
    assertThatThrownBy(() -> key(VOLUME, "", "t")).hasMessageContaining("name");
  }
}
