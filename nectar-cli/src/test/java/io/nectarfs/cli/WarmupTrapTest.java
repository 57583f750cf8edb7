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
      // The mount wrote the block into its disk cache before answering the warm-up.
      assertThat(cachedFiles(cache)).as("the mount's cache holds the block").isEqualTo(1);
      CliTest.Run outside = CliTest.run("warmup", tmp.toString());
      assertThat(outside.code()).isEqualTo(2);
      assertThat(outside.err()).contains("is not in a NectarFS mount");
    } finally {
      CliTest.run("umount", mnt.toString());
    }
  }

  /**
   * Issue #13 defect: warm-up read files through the mount, so pages already in the kernel's page
   * cache (here: the file was just written through the mount) never reached the mount, and blocks
   * read were cached by a background queue that drops blocks when full; a later read-only mount's
   * passthrough found the file "not cached". Now the mount caches every block before answering.
   */
  @Test
  void warmup_ofAFileInThePageCache_stillCachesEveryBlock_beforeItReturns() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
        "needs root and /dev/fuse");
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    assertThat(CliTest.run("format", meta, "warm", "--storage", "file://" + tmp.resolve("data"), "--block-size", "1M").code()).isZero();
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path cache = tmp.resolve("mount-cache");
    CliTest.Run m = CliProcess.run(tmp, Map.of(), "mount", "-d", meta, mnt.toString(), "--cache-dir", cache.toString(), "--free-space-ratio", "0",
        "--log", tmp.resolve("mount.log").toString());
    assertThat(m.code()).as(m.err()).isZero();
    try {
      byte[] data = new byte[24 << 20];
      new java.util.Random(1).nextBytes(data);
      Files.write(mnt.resolve("ckpt.bin"), data); // its pages stay in the page cache
      assertThat(cachedFiles(cache)).as("no caching on write by default").isZero();
      CliTest.Run r = CliTest.run("warmup", mnt.resolve("ckpt.bin").toString(), "--json");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("\"uncached_blocks\":0");
      assertThat(cachedFiles(cache)).as("every 1 MiB block, on disk when warmup returns").isEqualTo(24);
    } finally {
      CliTest.run("umount", mnt.toString());
    }
  }

  /** Block files in a disk cache (its {@code raw} tree). */
  private static long cachedFiles(Path cache) throws java.io.IOException {
    try (var files = Files.walk(cache)) {
      return files.filter(f -> Files.isRegularFile(f) && f.toString().contains("/raw/")).count();
    }
  }
}
