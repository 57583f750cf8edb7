package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume whose `file://` storage is a full file system (a 2 MiB tmpfs): `dd` into the mount
 * fails with ENOSPC, the failed file's blocks are deleted at once, the mount log says why in one
 * line, and a small file written before stays readable.
 */
class FullStorageMountTest {
  @TempDir Path tmp;

  private static String nectar() {
    return "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
  }

  private static long blocks(Path chunks) throws Exception {
    if (!Files.exists(chunks)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(chunks)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void writingIntoAFullStore_failsWithEnospc_andFreesItsBlocks() throws Exception {
    MountedVolume.requireFuse();
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    sh(tmp, "mount -t tmpfs -o size=2m,mode=0700 tmpfs " + data);
    try {
      // --inline-size 0: every file's data goes to the store that fills up
      String f = sh(tmp, nectar() + " format " + meta + " full-vol --storage file://" + data + " --trash-days 0 --block-size 64K --inline-size 0");
      String uuid = f.lines().filter(l -> l.contains("uuid:")).findFirst().orElseThrow().replaceAll(".*uuid:\\s*", "").trim();
      Path chunks = data.resolve("full-vol/" + uuid + "/chunks");
      Path log = tmp.resolve("mount.log");
      sh(tmp, nectar() + " mount -d " + meta + " " + mnt + " --cache-dir " + tmp.resolve("cache") + " --log " + log);
      try {
        sh(mnt, "echo kept > small && sync small");
        long before = blocks(chunks);
        assertThat(before).isPositive();
        String dd = sh(mnt, "dd if=/dev/urandom of=big bs=64k count=100 conv=fsync 2>&1; echo rc=$?");
        assertThat(dd).contains("No space left on device").doesNotContain("rc=0");
        // Every block left is referenced by committed data (a background flush may have committed
        // a first part of big before the store filled up): the failed slices left nothing behind.
        assertThat(sh(tmp, nectar() + " gc " + meta + " --min-age 0s")).contains("; 0 leaked");
        assertThat(sh(mnt, "cat small").trim()).isEqualTo("kept");
        String lines = sh(tmp, "grep -c 'uncommitted slice(s) dropped' " + log + " || true").trim();
        assertThat(lines).isEqualTo("1");
        assertThat(Files.readString(log)).contains("is full");
      } finally {
        sh(tmp, nectar() + " umount " + mnt);
      }
    } finally {
      sh(tmp, "umount -l " + data);
    }
  }
}
