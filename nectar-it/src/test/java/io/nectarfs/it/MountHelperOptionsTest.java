package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options through mount(8) and the helper {@code scripts/mount.nectar}: suid/dev/exec and their
 * negations reach the kernel, and {@code mount -o remount,ro|rw} switches the live mount.
 */
class MountHelperOptionsTest {
  @TempDir Path tmp;

  private static Path repo() {
    return Path.of(System.getProperty("user.dir")).getParent();
  }

  /** The mount's own options (field 6 of its mountinfo line). */
  private static String mountOptions(Path mnt) throws Exception {
    String line = sh(Path.of("/"), "grep ' " + mnt + " ' /proc/self/mountinfo | tail -1").strip();
    return "," + line.split(" ")[5] + ",";
  }

  private String format() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    sh(tmp, "NECTAR_NO_BUILD=1 " + repo().resolve("nectar") + " format " + meta + " opts-vol --storage file://" + tmp.resolve("data") + " --trash-days 0");
    return meta;
  }

  private void helperMount(String meta, Path mnt, String opts) throws Exception {
    sh(tmp, "NECTAR_NO_BUILD=1 " + repo().resolve("scripts/mount.nectar") + " " + meta + " " + mnt + " -o " + opts + ",cache-dir=" + tmp.resolve("cache")
        + ",log=" + tmp.resolve("mount.log"));
  }

  private void umount(Path mnt) throws Exception {
    sh(tmp, "NECTAR_NO_BUILD=1 " + repo().resolve("nectar") + " umount " + mnt);
  }

  /** Waits (generous deadline) until the daemon's /.config shows the read-only state. */
  private static void awaitDaemonReadOnly(Path mnt, boolean ro) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    String want = "\"readOnly\": " + ro;
    String config = "";
    while (System.nanoTime() < deadline) {
      config = Files.readString(mnt.resolve(".config"));
      if (config.contains(want)) {
        return;
      }
      Thread.sleep(20); // polling a condition, bounded by the deadline
    }
    throw new AssertionError("the mount process never saw " + want + ":\n" + config);
  }

  @Test
  void suidDevExec_andTheirNegations_reachTheKernel() throws Exception {
    MountedVolume.requireFuse();
    String meta = format();
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    helperMount(meta, mnt, "rw,suid,dev,noexec,relatime");
    try {
      assertThat(Files.readString(mnt.resolve(".config"))).contains("\"atimeMode\": \"relatime\"");
      String o = mountOptions(mnt);
      assertThat(o).contains(",noexec,").doesNotContain(",nosuid,").doesNotContain(",nodev,");
      assertThat(sh(mnt, "cp /bin/true t && (./t 2>&1 || true)")).contains("Permission denied");
    } finally {
      umount(mnt);
    }
    helperMount(meta, mnt, "defaults");
    try {
      assertThat(mountOptions(mnt)).as("a root mount is nosuid,nodev by default").contains(",nosuid,", ",nodev,").doesNotContain(",noexec,");
      assertThat(sh(mnt, "./t && echo ran")).contains("ran");
    } finally {
      umount(mnt);
    }
  }

  @Test
  void suidAndDev_areRefusedClearly_forAMountByAnotherUser() throws Exception {
    MountedVolume.requireFuse();
    Path mnt = Files.createDirectories(tmp.resolve("user-mnt"));
    sh(tmp, "chmod 0755 " + tmp + " " + mnt);
    String out = sh(tmp, "cd / && setpriv --reuid=4321 --regid=4321 --clear-groups env HOME=/tmp NECTAR_NO_BUILD=1 " + repo().resolve("nectar")
        + " mount sqlite3:///nonexistent/meta.db " + mnt + " --suid 2>&1; echo rc=$?");
    assertThat(out).contains("--suid and --dev (mount options suid, dev) need a mount by root").contains("rc=2").doesNotContain("Exception");
    String bad = sh(tmp, "NECTAR_NO_BUILD=1 " + repo().resolve("nectar") + " mount sqlite3:///nonexistent/meta.db " + mnt + " --atime-mode sometimes 2>&1; echo rc=$?");
    assertThat(bad).contains("atime mode must be noatime, relatime or strictatime, got 'sometimes'").contains("rc=2").doesNotContain("Exception");
  }

  @Test
  void remountReadOnlyAndBack_switchesTheLiveMount() throws Exception {
    MountedVolume.requireFuse();
    // mount(8) runs the helper of the mount's type (fuse.nectarfs) for a remount.
    Path link = Path.of("/sbin/mount.fuse.nectarfs");
    boolean installed = false;
    if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(link, repo().resolve("scripts/mount.nectar"));
      installed = true;
    }
    String meta = format();
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    try {
      helperMount(meta, mnt, "rw");
      try {
        sh(mnt, "echo before > f");
        sh(tmp, "mount -o remount,ro " + mnt);
        assertThat(mountOptions(mnt)).contains(",ro,");
        awaitDaemonReadOnly(mnt, true);
        assertThat(sh(mnt, "(echo x > g) 2>&1; echo rc=$?")).contains("Read-only file system");
        String atime = sh(mnt, "stat -c %x f");
        assertThat(sh(mnt, "cat f").strip()).isEqualTo("before");
        assertThat(sh(mnt, "stat -c %x f")).as("no access-time update on a read-only mount").isEqualTo(atime);
        sh(tmp, "mount -o remount,rw " + mnt);
        assertThat(mountOptions(mnt)).contains(",rw,");
        sh(mnt, "echo after > g && echo more >> f");
        assertThat(sh(mnt, "cat f g")).isEqualTo("before\nmore\nafter\n");
        assertThat(sh(tmp, "grep -c ' " + mnt + " ' /proc/self/mountinfo").strip()).as("no second mount").isEqualTo("1");
      } finally {
        umount(mnt);
      }
    } finally {
      if (installed) {
        Files.deleteIfExists(link);
      }
    }
  }
}
