package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --keeper-socket (an external keeper, the CSI node plugin's) excludes the options that need this
 * process's own keeper or none: a usage error in one line, before anything is opened; and the
 * node plugin refuses a keeper directory of another user and closes its own to others.
 */
class KeeperSocketOptionTest {
  @TempDir Path tmp;

  @Test
  void withIoUringNoKeeperOrStandby_isAUsageError() {
    for (String other : new String[] {"--io-uring", "--no-keeper", "--standby"}) {
      CliTest.Run r = CliTest.run("mount", "sqlite3://" + tmp.resolve("m.db"), tmp.resolve("mnt").toString(), "--keeper-socket",
          tmp.resolve("k.sock").toString(), other);
      assertThat(r.code()).as(other).isEqualTo(2);
      assertThat(r.err()).as(other).contains("--keeper-socket cannot go with " + other);
      assertThat(r.err()).as(other).doesNotContain("Exception");
    }
    assertThat(Files.exists(tmp.resolve("m.db"))).as("nothing opened").isFalse();
  }

  @Test
  void aKeeperDirectoryOfAnotherUser_isRefused_oneOpenToOthersIsClosed_andAMissingOneIsMade0700() throws Exception {
    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    PodKeepers.open(open);
    assertThat(Files.getPosixFilePermissions(open)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    if (io.nectarfs.fuse.ControlSocket.currentUid() == 0) {
      Path theirs = Files.createDirectory(tmp.resolve("theirs"));
      Files.setAttribute(theirs, "unix:uid", 65534);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PodKeepers.open(theirs)).hasMessageContaining("must be owned by uid 0 (it is uid 65534)");
    }
    Path made = tmp.resolve("made/keepers");
    PodKeepers k = PodKeepers.open(made);
    assertThat(Files.getPosixFilePermissions(made)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> k.keep("../escape", tmp.resolve("mnt"))).hasMessageContaining("cannot name a keeper socket");
    Path s = k.keep("nectar-vol-0a1b2c", tmp.resolve("mnt"));
    assertThat(s).isEqualTo(made.resolve("nectar-vol-0a1b2c.sock")).exists();
    assertThat(Files.getPosixFilePermissions(s)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(k.keep("nectar-vol-0a1b2c", tmp.resolve("mnt"))).as("one keeper per key").isEqualTo(s);
    k.release("nectar-vol-0a1b2c");
    assertThat(s).doesNotExist();
  }
}
