package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Opening, serving and closing a volume through {@link Volume}, on SQLite + file storage and in memory. */
class VolumeTest {
  private static final Secrets NO_SECRETS = new Secrets(Map.of());
  private static final int O_RDWR = 2;

  @TempDir Path tmp;
  private String metaUrl;
  private String storeUrl;

  /** Formats a volume (trash off, root 0777) on {@code kind}: "sqlite" (SQLite + file://) or "mem". */
  private Format format(String kind) throws IOException {
    String id = UUID.randomUUID().toString();
    metaUrl = kind.equals("mem") ? "mem://volume-test-" + id : "sqlite3://" + tmp.resolve("meta.db");
    storeUrl = kind.equals("mem") ? "mem://volume-test-" + id : "file://" + tmp.resolve("store");
    Format wanted = Format.builder("vol", storeUrl).blockSize(64 << 10).createdMillis(System.currentTimeMillis()).build();
    return Volumes.format(metaUrl, wanted, FormatRequest.defaults().withSecrets(NO_SECRETS)).stored();
  }

  private static VolumeOptions options() {
    return VolumeOptions.defaults().withSecrets(NO_SECRETS).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("volume-test");
  }

  private MetaClient admin() throws IOException {
    return Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false));
  }

  private static void write(Vfs vfs, Ctx ctx, long parent, String name, String text) throws IOException {
    Vfs.Opened o = vfs.create(ctx, parent, name, 0644, 0, O_RDWR);
    vfs.write(ctx, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    vfs.flush(ctx, o.entry().ino(), o.fh(), 0);
    vfs.release(ctx, o.entry().ino(), o.fh());
  }

  private static String read(Vfs vfs, Ctx ctx, long parent, String name) throws IOException {
    long ino = vfs.lookup(ctx, parent, name).ino();
    long fh = vfs.open(ctx, ino, 0);
    ByteBuffer b = ByteBuffer.allocate(1 << 16);
    int n = vfs.read(ctx, ino, fh, 0, b);
    vfs.release(ctx, ino, fh);
    return new String(b.array(), 0, n, StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "mem"})
  void dataWrittenAndClosed_isReadAfterReopen_andTheSessionEnds(String kind) throws Exception {
    Format f = format(kind);
    Volume v = Volume.open(metaUrl, options());
    assertThat(v.format().uuid()).isEqualTo(f.uuid());
    try (MetaClient m = admin()) {
      assertThat(m.sessions()).extracting(s -> s.mountPoint()).containsExactly("volume-test");
    }
    write(v.vfs(), Ctx.ROOT, Meta.ROOT, "f", "hello volume");
    Vfs.Opened open = v.vfs().create(Ctx.ROOT, Meta.ROOT, "unflushed", 0644, 0, O_RDWR);
    v.vfs().write(Ctx.ROOT, open.entry().ino(), open.fh(), 0, ByteBuffer.wrap("still open".getBytes(StandardCharsets.UTF_8)));
    v.close(); // commits what the open writer holds, then ends the session
    v.close(); // idempotent

    try (MetaClient m = admin()) {
      assertThat(m.sessions()).as("the session ended at close").isEmpty();
    }
    try (Volume again = Volume.open(metaUrl, options().withReadOnly(true))) {
      assertThat(read(again.vfs(), Ctx.ROOT, Meta.ROOT, "f")).isEqualTo("hello volume");
      assertThat(read(again.vfs(), Ctx.ROOT, Meta.ROOT, "unflushed")).isEqualTo("still open");
      assertThat(again.fileSystem().vfs()).isSameAs(again.vfs());
    }
  }

  @Test
  void readOnly_refusesWrites_withErofs_andWritesNothingToTheStorage() throws Exception {
    Format f = format("sqlite");
    Path marker = tmp.resolve("store").resolve(f.name()).resolve(VolumeMarker.KEY);
    assertThat(marker).as("format wrote the marker").exists();
    Files.delete(marker); // a volume formatted before markers: a writable open would claim the prefix
    try (Volume v = Volume.open(metaUrl, options().withReadOnly(true))) {
      assertThatThrownBy(() -> write(v.vfs(), Ctx.ROOT, Meta.ROOT, "f", "x"))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EROFS));
      assertThatThrownBy(() -> v.vfs().mkdir(Ctx.ROOT, Meta.ROOT, "d", 0755, 0))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EROFS));
      try (MetaClient m = admin()) {
        assertThat(m.sessions()).as("a read-only client registers no session").isEmpty();
      }
    }
    assertThat(marker).as("read-only opens never write").doesNotExist();
    try (Volume v = Volume.open(metaUrl, options())) {
      assertThat(v.format().uuid()).isEqualTo(f.uuid());
    }
    assertThat(marker).as("a writable open claims the prefix").exists();
  }

  @Test
  void subdir_isTheRoot_andNothingAboveIsReachable() throws Exception {
    format("sqlite");
    try (Volume v = Volume.open(metaUrl, options())) {
      long a = v.vfs().mkdir(Ctx.ROOT, Meta.ROOT, "a", 0755, 0).ino();
      write(v.vfs(), Ctx.ROOT, a, "inside", "in a");
      write(v.vfs(), Ctx.ROOT, Meta.ROOT, "outside", "secret");
    }
    try (Volume v = Volume.open(metaUrl, options().withSubdir("/a"))) {
      Vfs sub = v.vfs();
      assertThat(read(sub, Ctx.ROOT, Meta.ROOT, "inside")).isEqualTo("in a");
      assertThat(sub.lookup(Ctx.ROOT, Meta.ROOT, "..").ino()).as(".. of the root is the root").isEqualTo(Meta.ROOT);
      assertThatThrownBy(() -> sub.lookup(Ctx.ROOT, Meta.ROOT, "outside"))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
      write(sub, Ctx.ROOT, Meta.ROOT, "new", "made in the subdir");
    }
    try (Volume v = Volume.open(metaUrl, options())) {
      long a = v.vfs().lookup(Ctx.ROOT, Meta.ROOT, "a").ino();
      assertThat(read(v.vfs(), Ctx.ROOT, a, "new")).isEqualTo("made in the subdir");
    }
  }

  @Test
  void identityMapping_isAppliedToEveryCaller() throws Exception {
    format("sqlite");
    IdentityMapping mapping = IdentityMapping.NONE.mapUid(1000, 2000).mapGid(1000, 3000);
    try (Volume v = Volume.open(metaUrl, options().withIdentity(mapping))) {
      Ctx alice = new Ctx(1000, 1000, new int[] {1000}, 7);
      write(v.vfs(), alice, Meta.ROOT, "mapped", "x");
      Attr a = v.vfs().lookup(alice, Meta.ROOT, "mapped").attr();
      assertThat(a.uid()).isEqualTo(2000);
      assertThat(a.gid()).isEqualTo(3000);
      assertThat(v.meta().lookup(Ctx.ROOT, Meta.ROOT, "mapped").attr().uid()).as("the metadata handle sees the stored owner").isEqualTo(2000);
    }
    try (Volume v = Volume.open(metaUrl, options().withIdentity(IdentityMapping.NONE.squashAll(4000, 4001)))) {
      write(v.vfs(), Ctx.ROOT, Meta.ROOT, "squashed", "x");
      Attr a = v.vfs().getattr(Ctx.ROOT, v.vfs().lookup(Ctx.ROOT, Meta.ROOT, "squashed").ino());
      assertThat(a.uid()).isEqualTo(4000);
      assertThat(a.gid()).isEqualTo(4001);
      assertThatThrownBy(() -> v.vfs().setattr(Ctx.ROOT, Meta.ROOT, 0, io.nectarfs.meta.SetAttr.chmod(0700)))
          .as("root is squashed too: it does not own the root directory")
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
    }
  }

  @Test
  void storageOfAnotherVolume_failsTheOpen_andTheSessionIsGone() throws Exception {
    Format f = format("sqlite");
    Path marker = tmp.resolve("store").resolve(f.name()).resolve(VolumeMarker.KEY);
    Files.writeString(marker, "{\"name\":\"vol\",\"uuid\":\"" + UUID.randomUUID() + "\",\"createdMillis\":0}");
    assertThatThrownBy(() -> Volume.open(metaUrl, options())).hasMessageContaining("already holds volume 'vol'");
    try (MetaClient m = admin()) {
      assertThat(m.sessions()).as("the half-opened volume ended its session").isEmpty();
    }
  }

  @Test
  void subdirThatIsNotThere_failsTheOpen_afterTheVfsExisted_andTheSessionIsGone() throws Exception {
    format("sqlite");
    assertThatThrownBy(() -> Volume.open(metaUrl, options().withSubdir("/missing")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    try (MetaClient m = admin()) {
      assertThat(m.sessions()).isEmpty();
    }
  }

  /**
   * The cache group seams end to end in one process: a reader volume asks its block source, which
   * is an owner volume's {@link Volume#chunks()} serving side; the reader makes no object request,
   * the owner fetches each block once and keeps it on disk.
   */
  @Test
  void blockSource_isAskedBeforeTheStorage_andAnOwnersChunksServeIt() throws Exception {
    format("sqlite");
    java.util.Random r = new java.util.Random(5);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 200_000; i++) {
      text.append((char) ('a' + r.nextInt(26)));
    }
    try (Volume writer = Volume.open(metaUrl, options())) {
      write(writer.vfs(), Ctx.ROOT, Meta.ROOT, "f", text.toString()); // 4 blocks of 64 KiB (the last shorter)
    }
    CacheOptions disk = CacheOptions.builder().cacheDirs(java.util.List.of(tmp.resolve("owner-cache"))).cacheSize(64L << 20).build();
    java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Volume owner = Volume.open(metaUrl, options().withCache(disk).withClientName("owner"))) {
      io.nectarfs.chunk.BlockSource source = (ctx, key, blockLen, off, len) -> {
        asked.add(key);
        return owner.chunks().readBlock(ctx, key, blockLen, off, len);
      };
      io.nectarfs.common.Metrics metrics = io.nectarfs.common.Metrics.create();
      try (Volume reader = Volume.open(metaUrl, options().withBlockSource(source).withMetrics(metrics).withClientName("reader"))) {
        assertThat(read(reader.vfs(), Ctx.ROOT, Meta.ROOT, "f")).isEqualTo(text.substring(0, 1 << 16)); // the helper reads 64 KiB
        long ino = reader.vfs().lookup(Ctx.ROOT, Meta.ROOT, "f").ino();
        long fh = reader.vfs().open(Ctx.ROOT, ino, 0);
        ByteBuffer all = ByteBuffer.allocate(200_000);
        while (all.hasRemaining() && reader.vfs().read(Ctx.ROOT, ino, fh, all.position(), all) > 0) {
          // until the end
        }
        reader.vfs().release(Ctx.ROOT, ino, fh);
        assertThat(new String(all.array(), StandardCharsets.UTF_8)).isEqualTo(text.toString());
        assertThat(metrics.registry().get("nectar_chunk_read_bytes").tag("source", "object").counter().count())
            .as("bytes the reader read from the object store").isZero();
        assertThat(metrics.registry().get("nectar_chunk_read_bytes").tag("source", "peer").counter().count()).isPositive();
      }
      assertThat(asked).isNotEmpty();
      for (String key : java.util.Set.copyOf(asked)) {
        long[] k = io.nectarfs.chunk.BlockKeys.parse(key);
        assertThat(owner.chunks().hasBlock(key, (int) k[2])).as("the owner keeps %s", key).isTrue();
      }
      assertThatThrownBy(() -> owner.chunks().readBlock(Ctx.ROOT, "vol/format.json", 10, 0, 10)).isInstanceOf(FsException.class);
    }
  }

  @Test
  void freedSlices_reachTheChunkStore_throughTheListener() throws Exception {
    format("sqlite");
    VolumeOptions now = options().withBackgroundJobs(false).withSliceFreeDelay(Duration.ZERO);
    try (Volume v = Volume.open(metaUrl, now)) {
      write(v.vfs(), Ctx.ROOT, Meta.ROOT, "f", "x".repeat(200_000)); // 4 blocks of 64 KiB
      assertThat(v.storage().listKeys("chunks/")).hasSize(4);
      v.vfs().unlink(Ctx.ROOT, Meta.ROOT, "f");
      v.meta().runBackgroundJobs();
      assertThat(v.storage().listKeys("chunks/")).as("the listener deleted the blocks").isEmpty();
    }
  }

  /** A metadata-only client frees a slice (no listener): it waits in the queue until a data client deletes its blocks. */
  @Test
  void sliceFreedByAMetadataOnlyClient_isDeletedByTheNextVolume() throws Exception {
    format("sqlite");
    VolumeOptions now = options().withBackgroundJobs(false).withSliceFreeDelay(Duration.ZERO);
    try (Volume v = Volume.open(metaUrl, now)) {
      write(v.vfs(), Ctx.ROOT, Meta.ROOT, "f", "x".repeat(100_000));
    }
    try (MetaClient m = Volume.openMeta(metaUrl, now)) {
      m.unlink(Ctx.ROOT, Meta.ROOT, "f");
      m.runBackgroundJobs();
    }
    try (Volume v = Volume.open(metaUrl, now)) {
      assertThat(v.storage().listKeys("chunks/")).as("the blocks outlived the metadata-only client").hasSize(2);
      v.meta().runBackgroundJobs();
      assertThat(v.storage().listKeys("chunks/")).isEmpty();
    }
  }
}
