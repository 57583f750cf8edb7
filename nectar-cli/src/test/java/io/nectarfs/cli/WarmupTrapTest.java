package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 trap: warmup aborted on a relative symlink ("lib: no such file or directory"), warmed
 * ~/.nectar/cache instead of the running mount's cache, and named paths without their directory.
 */
class WarmupTrapTest {
  @TempDir Path tmp;

  private String volumeWithTree() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "warm", "--storage", "file://" + tmp.resolve("data")).code()).isZero();
    try (Volume v = Volume.open(meta, VolumeOptions.defaults().withCache(io.nectarfs.volume.CacheOptions.builder().cacheDirs(java.util.List.of()).build()))) {
      FileSystem fs = v.fileSystem();
      fs.mkdirs(Ctx.ROOT, "/models/v1", 0755);
      try (FileHandle h = fs.open(Ctx.ROOT, "/models/v1/weights.bin", java.util.Set.of(java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE), 0644)) {
        h.write(java.nio.ByteBuffer.wrap(new byte[300_000]));
      }
      fs.symlink(Ctx.ROOT, "../../lib", "/models/v1/lib"); // relative, dangling here
      MetaClient m = v.meta();
      long v1 = fs.stat(Ctx.ROOT, "/models/v1", false).ino();
      m.mknod(Ctx.ROOT, v1, "pipe", FileType.FIFO, 0644, 0, 0);
    }
    return meta;
  }

  @Test
  void warmup_skipsSymlinksAndSpecialFiles_andReportsThem() throws Exception {
    String meta = volumeWithTree();
    CliTest.Run r = CliTest.run("warmup", meta, "/models", "--cache-dir", tmp.resolve("cache").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("warmed up 1 file(s)", "skipped 2 symlink(s) and special file(s)");
    assertThat(r.err()).contains("skipped symlink /models/v1/lib", "skipped special file /models/v1/pipe");
    CliTest.Run missing = CliTest.run("warmup", meta, "/models/v2/x", "--cache-dir", tmp.resolve("cache").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("/models/v2/x: no such file or directory").hasLineCount(1);
  }

  @Test
  void warmup_ofAPathInAMount_readsThroughTheMount() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
        "needs root and /dev/fuse");
    String meta = volumeWithTree();
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path cache = tmp.resolve("mount-cache");
    CliTest.Run m = CliProcess.run(tmp, Map.of(), "mount", "-d", meta, mnt.toString(), "--cache-dir", cache.toString(), "--log",
        tmp.resolve("mount.log").toString());
    assertThat(m.code()).as(m.err()).isZero();
    try {
      CliTest.Run r = CliTest.run("warmup", mnt.resolve("models").toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("warmed up 1 file(s), 293.0 KiB", "skipped 2");
      assertThat(r.err()).contains("skipped symlink " + mnt.resolve("models/v1/lib"));
      // The mount writes blocks into its disk cache in the background after serving the reads.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
      while (cachedFiles(cache) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(cachedFiles(cache)).as("the mount's cache holds the blocks (unless its disk is below the cache's free-space floor)").isPositive();
      CliTest.Run outside = CliTest.run("warmup", tmp.toString());
      assertThat(outside.code()).isEqualTo(2);
      assertThat(outside.err()).contains("is not in a NectarFS mount");
    } finally {
      CliTest.run("umount", mnt.toString());
    }
  }

  private static long cachedFiles(Path cache) throws java.io.IOException {
    try (var files = Files.walk(cache)) {
      return files.filter(Files::isRegularFile).count();
    }
  }
}
