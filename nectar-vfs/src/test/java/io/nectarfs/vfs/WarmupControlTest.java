package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.OpenFlags;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.Slice;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code warmup} through /.control: every block of the file is in the mount's disk cache when the
 * answer arrives, even for a file larger than the disk cache's background write queue (64 MiB),
 * which drops blocks when full; and a cache too small to hold the file says so.
 */
class WarmupControlTest {
  private static final int SIZE = 80 << 20; // more than the background write queue
  private final Secrets secrets = new Secrets(Map.of());
  @TempDir Path tmp;

  private String volumeWithFile() throws Exception {
    String url = "mem://warmup-" + UUID.randomUUID();
    Format wanted = Format.builder("warmup-test", url).checksum(false).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(url, wanted, FormatRequest.defaults().withSecrets(secrets).withForce(true));
    try (Volume v = Volume.open(url, VolumeOptions.defaults().withSecrets(secrets).withCache(CacheOptions.memoryOnly(0)))) {
      byte[] data = new byte[SIZE];
      new java.util.Random(7).nextBytes(data);
      v.fileSystem().writeAll(Ctx.ROOT, "/big", data);
    }
    return url;
  }

  private Volume withDiskCache(String url, long cacheSize) throws Exception {
    CacheOptions cache = CacheOptions.builder().cacheDirs(List.of(tmp.resolve("cache"))).cacheSize(cacheSize).freeSpaceRatio(0).build();
    return Volume.open(url, VolumeOptions.defaults().withSecrets(secrets).withCache(cache));
  }

  private static Control.Answer ask(Vfs vfs, Ctx ctx, String request) throws Exception {
    long ino = vfs.lookup(ctx, Meta.ROOT, Control.NAME).ino();
    long fh = vfs.open(ctx, ino, OpenFlags.O_RDWR);
    try {
      vfs.write(ctx, ino, fh, 0, ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      ByteBuffer answer = ByteBuffer.allocate(4096);
      vfs.read(ctx, ino, fh, 0, answer);
      return Control.parseAnswer(new String(answer.array(), 0, answer.position(), StandardCharsets.UTF_8));
    } finally {
      vfs.release(ctx, ino, fh);
    }
  }

  private static boolean everyBlockCached(Volume v, long ino) throws Exception {
    for (int i = 0; i * (long) Chunks.CHUNK_SIZE < SIZE; i++) {
      for (Slice s : v.meta().read(Ctx.ROOT, ino, i)) {
        if (s.id() != 0 && !v.chunks().cachedLocally(s.id(), s.size())) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void warmup_cachesEveryBlockBeforeAnswering() throws Exception {
    String url = volumeWithFile();
    try (Volume v = withDiskCache(url, 1L << 30)) {
      long ino = v.fileSystem().stat(Ctx.ROOT, "/big").ino();
      assertThat(everyBlockCached(v, ino)).isFalse();
      Control.Answer a = ask(v.vfs(), Ctx.ROOT, Control.warmupRequest(ino));
      assertThat(a.errno()).as(a.message()).isNull();
      assertThat(a.count()).isEqualTo(1);
      assertThat(a.message()).isEqualTo("bytes=" + SIZE + " uncached=0");
      assertThat(everyBlockCached(v, ino)).isTrue();
      assertThat(v.chunks().stats().cacheBlocks()).as("on disk, not in a queue").isEqualTo(SIZE / v.chunks().blockSize());
    }
  }

  @Test
  void warmup_intoACacheTooSmall_saysHowManyBlocksAreNotCached() throws Exception {
    String url = volumeWithFile();
    try (Volume v = withDiskCache(url, 32L << 20)) {
      long ino = v.fileSystem().stat(Ctx.ROOT, "/big").ino();
      Control.Answer a = ask(v.vfs(), Ctx.ROOT, Control.warmupRequest(ino));
      assertThat(a.errno()).isNull();
      long uncached = Long.parseLong(a.message().replaceAll(".*uncached=", ""));
      assertThat(uncached).isPositive().isLessThanOrEqualTo(SIZE / v.chunks().blockSize());
    }
  }

  @Test
  void warmup_ofADirectoryOrWithoutReadPermission_isRefused() throws Exception {
    String url = volumeWithFile();
    try (Volume v = withDiskCache(url, 1L << 30)) {
      v.fileSystem().chmod(Ctx.ROOT, "/big", 0600);
      long ino = v.fileSystem().stat(Ctx.ROOT, "/big").ino();
      Ctx alice = new Ctx(1000, 1000, new int[] {1000}, 7);
      assertThat(ask(v.vfs(), alice, Control.warmupRequest(ino)).errno()).isEqualTo(Errno.EACCES);
      assertThat(ask(v.vfs(), Ctx.ROOT, Control.warmupRequest(Meta.ROOT)).errno()).isEqualTo(Errno.EINVAL);
      assertThat(v.chunks().stats().cacheBlocks()).isZero();
    }
  }
}
