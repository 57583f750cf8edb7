package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #12 trap: info and summary needed META-URL plus an in-volume path; a path in a mount works too. */
class MountPathTrapTest {
  @TempDir Path tmp;

  @Test
  void infoAndSummary_acceptAPathInAMount() throws Exception {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")), "needs root and /dev/fuse");
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "bymount", "--storage", "file://" + tmp.resolve("data")).code()).isZero();
    try (Volume v = Volume.open(meta, VolumeOptions.defaults().withCache(CacheOptions.builder().cacheDirs(List.of()).build()))) {
      FileSystem fs = v.fileSystem();
      fs.mkdirs(Ctx.ROOT, "/team/a b", 0755);
      for (String f : new String[] {"/team/a b/x", "/team/y"}) {
        try (FileHandle h = fs.open(Ctx.ROOT, f, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), 0644)) {
          h.write(ByteBuffer.wrap(new byte[5000]));
        }
      }
    }
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    CliTest.Run m = CliProcess.run(tmp, Map.of(), "mount", "-d", meta, mnt.toString(), "--cache-dir", "memory", "--log", tmp.resolve("mount.log").toString());
    assertThat(m.code()).as(m.err()).isZero();
    try {
      CliTest.Run byUrl = CliTest.run("summary", meta, "/team");
      CliTest.Run byMount = CliTest.run("summary", mnt.resolve("team").toString());
      assertThat(byMount.code()).as(byMount.err()).isZero();
      assertThat(byMount.out()).isEqualTo(byUrl.out().replace("/team:", mnt.resolve("team") + ":")).contains("files 2, directories 1");
      CliTest.Run info = CliTest.run("info", mnt.resolve("team/a b/x").toString());
      assertThat(info.code()).as(info.err()).isZero();
      assertThat(info.out()).isEqualTo(CliTest.run("info", meta, "/team/a b/x").out()).contains("size: 5000");
      assertThat(Files.readString(mnt.resolve(".config"))).contains("\"meta\": \"" + meta + "\"");
      CliTest.Run version = CliTest.run("version");
      assertThat(version.out()).as("the kernel's FUSE protocol, seen by a running mount").containsPattern("kernel offers 7\\.\\d+");
      CliTest.Run notMounted = CliTest.run("summary", tmp.toString());
      assertThat(notMounted.code()).isEqualTo(1);
      assertThat(notMounted.err()).contains("is not in a NectarFS mount").hasLineCount(1);
    } finally {
      CliTest.run("umount", mnt.toString());
    }
  }
}
