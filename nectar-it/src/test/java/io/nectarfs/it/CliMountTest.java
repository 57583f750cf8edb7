package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's path through the launcher: `nectar format`, `nectar mount -d`, use, `nectar status`,
 * `nectar umount`, and the mount(8) helper `scripts/mount.nectar` with -o options.
 */
class CliMountTest {
  @TempDir Path tmp;

  private static String nectar() {
    return Path.of(System.getProperty("user.dir")).getParent().resolve("nectar").toString();
  }

  @Test
  void formatMountUseUmount_throughTheLauncher() throws Exception {
    MountedVolume.requireFuse();
    String n = "NECTAR_NO_BUILD=1 " + nectar();
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    sh(tmp, n + " format " + meta + " cli-vol --storage file://" + tmp.resolve("data") + " --trash-days 0");
    String mounted = sh(tmp, n + " mount -d " + meta + " " + mnt + " --cache-dir " + tmp.resolve("cache") + " --log " + tmp.resolve("mount.log"));
    assertThat(mounted).contains("mounted at " + mnt);
    try {
      assertThat(sh(tmp, "grep ' " + mnt + " ' /proc/mounts")).startsWith("cli-vol " + mnt + " fuse.nectarfs");
      sh(mnt, "echo hello > f && mkdir d && cp f d/g");
      assertThat(sh(mnt, "cat d/g").trim()).isEqualTo("hello");
      assertThat(sh(tmp, n + " status " + meta)).contains("sessions: 1", mnt.toString());
      String again = new String(new ProcessBuilder("bash", "-c", n + " mount " + meta + " " + mnt).redirectErrorStream(true).start()
          .getInputStream().readAllBytes());
      assertThat(again).contains("already mounted");
    } finally {
      sh(tmp, n + " umount " + mnt);
    }
    assertThat(sh(tmp, "grep -c ' " + mnt + " ' /proc/mounts || true").trim()).isEqualTo("0");
    assertThat(sh(tmp, n + " status " + meta)).as("the session ended cleanly").contains("sessions: 0");
    // The mount(8) helper with options, read-only.
    String helper = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/mount.nectar").toString();
    sh(tmp, "NECTAR_NO_BUILD=1 " + helper + " " + meta + " " + mnt + " -o rw,_netdev,cache-dir=" + tmp.resolve("cache2") + ",ro");
    try {
      assertThat(sh(mnt, "cat f").trim()).isEqualTo("hello");
      assertThat(sh(mnt, "touch x 2>&1 || true")).contains("Read-only file system");
    } finally {
      sh(tmp, n + " umount " + mnt);
    }
  }
}
