package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 traps: passphrase errors named a temporary file instead of the volume's key; destroy
 * demanded the passphrase, and storage credentials should be needed only to delete objects.
 */
class DestroyTrapTest {
  @TempDir Path tmp;

  private static Map<String, String> pass(String p) {
    Map<String, String> env = new HashMap<>();
    env.put("NECTAR_KEY_PASSPHRASE", p);
    env.put("NECTAR_KEY_PASSPHRASE_FILE", null);
    return env;
  }

  private static String uuid(CliTest.Run format) {
    return format.out().lines().filter(l -> l.contains("uuid:")).findFirst().orElseThrow().replaceAll(".*uuid:\\s*", "").trim();
  }

  @Test
  void passphraseErrors_nameTheVolumesKey_andDestroyNeedsNoPassphrase() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path key = tmp.resolve("key.pem");
    assertThat(CliProcess.run(tmp, pass("right horse"), "keygen", key.toString()).code()).isZero();
    CliTest.Run f = CliProcess.run(tmp, pass("right horse"), "format", meta, "secret", "--storage", "file://" + tmp.resolve("data"),
        "--encrypt-key", key.toString());
    assertThat(f.code()).as(f.err()).isZero();
    CliTest.Run wrong = CliProcess.run(tmp, pass("wrong"), "gc", meta);
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).doesNotContain("/tmp/", "nectar-key-").contains("the volume's encryption key", "wrong passphrase", "NECTAR_KEY_PASSPHRASE");
    Map<String, String> none = pass(null);
    CliTest.Run d = CliProcess.run(tmp, none, "destroy", meta, uuid(f), "--yes");
    assertThat(d.code()).as(d.err()).isZero();
    assertThat(d.out()).contains("volume secret destroyed");
  }

  @Test
  void destroyWithUnreachableStorage_deletesTheMetadata_andSaysWhatIsLeft() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path data = tmp.resolve("data");
    CliTest.Run f = CliTest.run("format", meta, "orphan", "--storage", "file://" + data);
    assertThat(f.code()).as(f.err()).isZero();
    Files.move(data, tmp.resolve("data-elsewhere"));
    Files.writeString(data, "not a directory: the storage fails like one without credentials");
    CliTest.Run d = CliTest.run("destroy", meta, uuid(f), "--yes");
    assertThat(d.code()).as(d.out() + d.err()).isEqualTo(1);
    assertThat(d.out()).contains("metadata deleted", "NOT deleted", "rm -rf " + data.resolve("orphan/" + uuid(f)));
    assertThat(CliTest.run("status", meta).err()).contains("nectar format");
  }

  @Test
  void confirmationPrompt_showsStorageAndUsage() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    CliTest.Run f = CliTest.run("format", meta, "asked", "--storage", "file://" + tmp.resolve("data"));
    CliTest.Run d = CliProcess.run(tmp, Map.of(), "destroy", meta, uuid(f));
    assertThat(d.code()).isEqualTo(1);
    assertThat(d.out()).contains("Volume 'asked'", "0 B used, 0 inodes", "storage file://" + tmp.resolve("data") + " under asked/" + uuid(f));
    assertThat(d.err()).contains("not confirmed; nothing was deleted");
  }
}
