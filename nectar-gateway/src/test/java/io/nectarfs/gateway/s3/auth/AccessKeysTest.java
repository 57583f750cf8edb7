package io.nectarfs.gateway.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessKeysTest {
  @TempDir
  Path dir;

  Path file(String text, String mode) throws IOException {
    Path p = dir.resolve("keys");
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return p;
  }

  @Test
  void loadsKeys() throws IOException {
    Path p = file("""
        # id secret uid:gid[:groups] [ro|rw]
        AKADMIN  s3cr3t/with+chars  0:0
        AKREAD\tpw2\t1000:1000:27,44  ro

        AKWRITE pw3 1001:1001: rw
        """, "rw-------");
    List<AccessKey> keys = AccessKeys.load(p);
    assertThat(keys).extracting(AccessKey::id).containsExactly("AKADMIN", "AKREAD", "AKWRITE");
    assertThat(keys.get(0).secret()).isEqualTo("s3cr3t/with+chars");
    assertThat(keys.get(1).readOnly()).isTrue();
    assertThat(keys.get(1).groups()).containsExactly(27, 44);
    assertThat(keys.get(1).principal().ctx().uid()).isEqualTo(1000);
    assertThat(keys.get(2).readOnly()).isFalse();
    assertThat(keys.toString()).doesNotContain("s3cr3t", "pw2", "pw3");
    assertThat(AccessKeys.load(file("AKX pw 1:1\n", "r--------"))).hasSize(1);
  }

  @Test
  void refusesFilesOpenToOthers() throws IOException {
    for (String mode : List.of("rw-r-----", "rw----r--", "rw-rw-rw-", "rw-----w-")) {
      Path p = file("AKX secretvalue 1:1\n", mode);
      assertThatThrownBy(() -> AccessKeys.load(p)).isInstanceOf(IOException.class)
          .hasMessageContaining("accessible by group or others").hasMessageContaining("chmod 600")
          .hasMessageNotContaining("secretvalue");
    }
    assertThatThrownBy(() -> AccessKeys.load(dir.resolve("missing"))).isInstanceOf(IOException.class).hasMessageContaining("missing");
  }

  @Test
  void malformedLinesNameTheLineNeverTheSecret() throws IOException {
    Map<String, String> cases = Map.of(
        "AKX topsecret\n", "line 1",
        "# c\nAKX topsecret 1:1 maybe\n", "line 2: the last field must be ro or rw",
        "AKX topsecret 1\n", "line 1: the third field",
        "AKX topsecret x:1\n", "line 1: the third field",
        "AKX 1:1 topsecret\n", "line 1: the third field",
        "A/X topsecret 1:1\n", "line 1: the access key id",
        "AKX topsecret 1:1\nAKX topsecret 2:2\n", "line 2: access key AKX is listed twice",
        "# only comments\n", "no access key",
        "AKX topsecret 1:-1\n", "line 1: the third field");
    for (var e : cases.entrySet()) {
      Path p = file(e.getKey(), "rw-------");
      assertThatThrownBy(() -> AccessKeys.load(p)).as(e.getKey()).isInstanceOf(IOException.class)
          .hasMessageContaining(p.toString()).hasMessageContaining(e.getValue()).hasMessageNotContaining("topsecret");
    }
  }

  @Test
  void environment() throws IOException {
    assertThat(AccessKeys.fromEnvironment(new Secrets(Map.of()), 1, 1)).isEmpty();
    AccessKey k = AccessKeys.fromEnvironment(new Secrets(Map.of("NECTAR_GATEWAY_ACCESS_KEY", "AKENV", "NECTAR_GATEWAY_SECRET_KEY", "envsecret")), 1000, 100)
        .orElseThrow();
    assertThat(k.id()).isEqualTo("AKENV");
    assertThat(k.uid()).isEqualTo(1000);
    assertThat(k.gid()).isEqualTo(100);
    assertThat(k.readOnly()).isFalse();
    assertThat(k.toString()).doesNotContain("envsecret");
    Path secretFile = dir.resolve("secret");
    Files.writeString(secretFile, "fromfile\n");
    assertThat(AccessKeys.fromEnvironment(new Secrets(Map.of("NECTAR_GATEWAY_ACCESS_KEY", "AKENV", "NECTAR_GATEWAY_SECRET_KEY_FILE", secretFile.toString())), 1, 1)
        .orElseThrow().secret()).isEqualTo("fromfile");
    assertThatThrownBy(() -> AccessKeys.fromEnvironment(new Secrets(Map.of("NECTAR_GATEWAY_ACCESS_KEY", "AKENV")), 1, 1))
        .isInstanceOf(IOException.class).hasMessageContaining("NECTAR_GATEWAY_SECRET_KEY");
    assertThatThrownBy(() -> AccessKeys.fromEnvironment(new Secrets(Map.of("NECTAR_GATEWAY_SECRET_KEY", "envsecret")), 1, 1))
        .isInstanceOf(IOException.class).hasMessageContaining("NECTAR_GATEWAY_ACCESS_KEY").hasMessageNotContaining("envsecret");
  }

  @Test
  void duplicateKeysAreRefusedByTheAuthenticator() {
    AccessKey a = new AccessKey("AKX", "one", 1, 1, new int[0], false);
    AccessKey b = new AccessKey("AKX", "two", 2, 2, new int[0], false);
    assertThatThrownBy(() -> Authenticator.sigV4(List.of(a, b), "us-east-1", io.nectarfs.common.Clock.SYSTEM))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AKX").hasMessageNotContaining("one").hasMessageNotContaining("two");
  }
}
