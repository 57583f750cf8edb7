package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_SYNC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.KvDurability;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one small file costs through the VFS, counted (never timed): write transactions, durability
 * barriers (WAL fsyncs on SQLite) and objects. Only calls made on the test's thread are counted, so
 * the background heartbeat cannot disturb the numbers.
 */
class SmallFileCostTest {
  private static final long OWNER = 77; // the lock owner the kernel sends with FLUSH
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;
  private VfsHarness h;
  private CountingKv kv;
  private MetaClient meta;
  private ObjectStore store;
  private Vfs vfs;

  @BeforeEach
  void open() throws IOException {
    h = VfsHarness.memory(tmp);
    Thread test = Thread.currentThread();
    open(t -> t == test);
  }

  /** Opens the VFS over a counting engine that counts the calls made on the threads {@code counted} accepts. */
  private void open(java.util.function.Predicate<Thread> counted) throws IOException {
    kv = new CountingKv(MetaEngines.registry().open(h.metaUrl, h.secrets), counted);
    meta = MetaClient.open(kv, MetaConfig.defaults().withHeartbeat(Duration.ofHours(1)));
    store = h.openStore();
    Metrics metrics = Metrics.create();
    ChunkStore chunks = ChunkStores.open(store, ChunkConfig.inMemory(h.blockSize), Clock.SYSTEM, metrics);
    meta.onSliceFreed(chunks::remove);
    vfs = Vfses.open(meta, chunks, VfsConfig.defaults(), Clock.SYSTEM, metrics);
  }

  @org.junit.jupiter.api.AfterEach
  void close() throws Exception {
    vfs.close();
  }

  @Test
  void createAndCloseOfAnEmptyFileIsOneTransactionAndNoSync() throws IOException {
    var first = vfs.create(ctx, Meta.ROOT, "first", 0644, 022, O_RDWR); // takes a batch of inode numbers
    vfs.release(ctx, first.entry().ino(), first.fh());
    kv.zero();
    var o = vfs.create(ctx, Meta.ROOT, "empty", 0644, 022, O_RDWR);
    vfs.flush(ctx, o.entry().ino(), o.fh(), OWNER);
    vfs.release(ctx, o.entry().ino(), o.fh());
    assertThat(kv.txns.get()).as("write transactions of create+flush+release").isEqualTo(1);
    assertThat(kv.reads.get()).as("read transactions of create+flush+release").isZero();
    assertThat(kv.syncs.get()).as("syncs: nothing written, nothing promised").isZero();
  }

  @Test
  void aSmallFilesCommitLeavesTheCompactorNothingToRead() throws Exception {
    vfs.close();
    Thread test = Thread.currentThread();
    open(t -> t != test); // count the background threads' calls (the compactor's)
    var o = vfs.create(ctx, Meta.ROOT, "small", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[4096]));
    kv.zero();
    vfs.flush(ctx, ino, o.fh(), OWNER);
    vfs.release(ctx, ino, o.fh());
    assertThat(((VfsImpl) vfs).compactor().awaitIdle(Duration.ofMinutes(5))).as("compactor idle").isTrue();
    assertThat(kv.reads.get()).as("metadata reads of background threads after the commit of a one-slice chunk").isZero();
    assertThat(meta.read(ctx, ino, 0)).hasSize(1);
  }

  @Test
  void smallWriteAndCloseIsOneObjectAndOneSync() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "small", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    kv.zero();
    vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[4096]));
    vfs.flush(ctx, ino, o.fh(), OWNER);
    vfs.release(ctx, ino, o.fh());
    assertThat(kv.syncs.get()).as("close of written data: durable once").isEqualTo(1);
    assertThat(kv.txns.get()).as("write transactions of write+flush+release (slice id, slice)").isLessThanOrEqualTo(2);
    assertThat(kv.reads.get()).as("read transactions of write+flush+release").isZero();
    int objects = 0;
    for (ObjectInfo i : store.listAll("")) {
      objects += i.key().contains("chunks/") ? 1 : 0;
    }
    assertThat(objects).as("objects of one 4 KiB file").isEqualTo(1);
  }

  @Test
  void smallWriteAndCloseOnAnInlineSqliteVolume_isNoObjectAndOneSync() throws Exception {
    vfs.close();
    String url = "sqlite3://" + tmp.resolve("inline.db");
    try (TxnKv f = MetaEngines.registry().open(url, h.secrets)) {
      MetaClient.format(f, io.nectarfs.meta.Format.builder("inline", url).checksum(false).inlineSize(64 << 10).build(), false, Clock.SYSTEM);
    }
    kv = new CountingKv(MetaEngines.registry().open(url, h.secrets), Thread.currentThread());
    meta = MetaClient.open(kv, MetaConfig.defaults().withHeartbeat(Duration.ofHours(1)));
    Metrics metrics = Metrics.create();
    ChunkStore chunks = ChunkStores.open(io.nectarfs.object.ObjectStores.metered(store, metrics), ChunkConfig.inMemory(h.blockSize), Clock.SYSTEM, metrics);
    var written = metrics.registry().get("nectar_object_written_bytes").counter();
    chunks = Vfses.withInlineSlices(meta, chunks, io.nectarfs.object.StoredForm.of(io.nectarfs.object.StoreOptions.raw(), h.secrets));
    meta.onSliceFreed(chunks::remove);
    vfs = Vfses.open(meta, chunks, VfsConfig.defaults(), Clock.SYSTEM, metrics);

    var o = vfs.create(ctx, Meta.ROOT, "small", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    kv.zero();
    vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[4096]));
    vfs.flush(ctx, ino, o.fh(), OWNER);
    vfs.release(ctx, ino, o.fh());
    assertThat(kv.syncs.get()).as("close of written data: durable once, data and record together").isEqualTo(1);
    assertThat(kv.txns.get()).as("write transactions of write+flush+release (slice id, slice with its data)").isLessThanOrEqualTo(2);
    assertThat(kv.reads.get()).as("read transactions of write+flush+release").isZero();
    assertThat(written.count()).as("bytes put into objects for one 4 KiB file").isZero();
    var r = vfs.open(ctx, ino, O_RDONLY);
    assertThat(vfs.read(ctx, ino, r, 0, ByteBuffer.allocate(8192))).isEqualTo(4096);
    vfs.release(ctx, ino, r);
    kv.zero();
    vfs.unlink(ctx, Meta.ROOT, "small");
    meta.runBackgroundJobs();
    assertThat(written.count()).isZero();
    assertThat(meta.check()).isEmpty();
  }

  @Test
  void withDurabilityFsync_closeCommitsWithoutASync_fsyncStillSyncs() throws Exception {
    vfs.close();
    kv = new CountingKv(MetaEngines.registry().open(h.metaUrl, h.secrets), Thread.currentThread());
    meta = MetaClient.open(kv, MetaConfig.defaults().withHeartbeat(Duration.ofHours(1)));
    Metrics metrics = Metrics.create();
    ChunkStore chunks = ChunkStores.open(store, ChunkConfig.inMemory(h.blockSize), Clock.SYSTEM, metrics);
    meta.onSliceFreed(chunks::remove);
    vfs = Vfses.open(meta, chunks, VfsConfig.defaults().withCloseDurable(false), Clock.SYSTEM, metrics);
    var o = vfs.create(ctx, Meta.ROOT, "lazy", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    kv.zero();
    vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[4096]));
    vfs.flush(ctx, ino, o.fh(), OWNER);
    vfs.release(ctx, ino, o.fh());
    assertThat(kv.syncs.get()).as("close with --durability fsync").isZero();
    assertThat(meta.getattr(ctx, ino).length()).as("but committed").isEqualTo(4096);
    var again = vfs.open(ctx, ino, O_RDWR);
    vfs.fsync(ctx, ino, again, false);
    assertThat(kv.syncs.get()).as("fsync of a file closed unsynced").isEqualTo(1);
    vfs.write(ctx, ino, again, 4096, ByteBuffer.wrap(new byte[100]));
    vfs.fsync(ctx, ino, again, true);
    assertThat(kv.syncs.get()).as("fsync of new writes").isEqualTo(2);
    vfs.release(ctx, ino, again);
    var s = vfs.create(ctx, Meta.ROOT, "osync", 0644, 022, O_RDWR | O_SYNC);
    kv.zero();
    vfs.write(ctx, s.entry().ino(), s.fh(), 0, ByteBuffer.wrap(new byte[100]));
    assertThat(kv.syncs.get()).as("O_SYNC writes stay durable").isEqualTo(1);
    vfs.release(ctx, s.entry().ino(), s.fh());
  }

  @Test
  void readingOnesOwnWritesCommitsWithoutASync_fsyncSyncsOnce() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "ryw", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    kv.zero();
    vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[4096]));
    vfs.read(ctx, ino, o.fh(), 0, ByteBuffer.allocate(4096));
    vfs.lseek(ctx, ino, o.fh(), 0, 3);
    assertThat(kv.syncs.get()).as("read and lseek of one's own writes: committed, nothing promised").isZero();
    vfs.write(ctx, ino, o.fh(), 4096, ByteBuffer.wrap(new byte[4096]));
    vfs.fsync(ctx, ino, o.fh(), false);
    assertThat(kv.syncs.get()).as("fsync of written data: one sync covers data and metadata").isEqualTo(1);
    vfs.release(ctx, ino, o.fh());
    assertThat(kv.syncs.get()).as("the close finds nothing new to sync").isEqualTo(1);
  }

  @Test
  void unlinkIsOneTransactionAndNoSync() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "gone", 0644, 022, O_RDWR);
    vfs.release(ctx, o.entry().ino(), o.fh());
    kv.zero();
    vfs.unlink(ctx, Meta.ROOT, "gone");
    assertThat(kv.txns.get()).isEqualTo(1);
    assertThat(kv.syncs.get()).isZero();
  }

  @Test
  void unlinkOfAWrittenFileIsOneTransactionAndNoSync_itsDataGoesInTheBackground() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "written", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    vfs.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(new byte[4096]));
    vfs.release(ctx, ino, o.fh());
    kv.zero();
    vfs.unlink(ctx, Meta.ROOT, "written");
    assertThat(kv.txns.get()).as("write transactions of unlink").isEqualTo(1);
    assertThat(kv.reads.get()).as("read transactions of unlink").isZero();
    assertThat(kv.syncs.get()).as("syncs of unlink").isZero();
    assertThat(meta.check()).isEmpty();
  }

  @Test
  void theCapabilityTheKernelAsksBeforeEachWriteIsAnsweredFromMemory_andSetxattrIsSeenAtOnce() throws IOException {
    String cap = "security.capability";
    var o = vfs.create(ctx, Meta.ROOT, "plain", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    kv.zero();
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> vfs.getxattr(ctx, ino, cap)).isInstanceOf(FsException.class)
          .extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.ENODATA);
      vfs.write(ctx, ino, o.fh(), i * 4096L, ByteBuffer.wrap(new byte[4096]));
    }
    assertThat(kv.reads.get()).as("metadata reads of getxattr(security.capability) on a file this client created").isZero();
    byte[] value = {1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    vfs.setxattr(ctx, ino, cap, value, 0);
    assertThat(vfs.getxattr(ctx, ino, cap)).as("this client's setxattr is seen at once").isEqualTo(value);
    vfs.removexattr(ctx, ino, cap);
    kv.zero();
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> vfs.getxattr(ctx, ino, cap)).isInstanceOf(FsException.class)
          .extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.ENODATA);
    }
    assertThat(kv.reads.get()).as("after removexattr: the metadata is asked once, then the answer is remembered").isEqualTo(1);
    vfs.release(ctx, ino, o.fh());
  }

  /**
   * The privilege rule (setuid/setgid, capability) costs an ordinary write of another user nothing:
   * no metadata read, and no more transactions than root's writes, which drop no setuid/setgid.
   */
  @Test
  void writesOfAnotherUser_askTheMetadataNothingForPrivileges() throws IOException {
    Ctx alice = Ctx.of(1000, 1000);
    int[] txns = new int[2];
    for (int who = 0; who < 2; who++) {
      Ctx c = who == 0 ? ctx : alice;
      var o = vfs.create(ctx, Meta.ROOT, "shared" + who, 0666, 0, O_RDWR);
      long ino = o.entry().ino();
      vfs.release(ctx, ino, o.fh());
      long fh = vfs.open(c, ino, O_RDWR);
      kv.zero();
      for (int i = 0; i < 3; i++) {
        vfs.write(c, ino, fh, i * 4096L, ByteBuffer.wrap(new byte[4096]), who == 1);
      }
      assertThat(kv.reads.get()).as("metadata reads of three writes").isZero();
      txns[who] = kv.txns.get();
      vfs.release(c, ino, fh);
    }
    assertThat(txns[1]).as("transactions of three writes of another user, at most root's").isLessThanOrEqualTo(txns[0]);
  }

  @Test
  void fsyncOfFileOrDirectoryAndOsyncWritesSync() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "f", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    kv.zero();
    vfs.fsync(ctx, ino, o.fh(), false);
    assertThat(kv.syncs.get()).as("fsync of a file with nothing pending still syncs its metadata").isEqualTo(1);
    long dh = vfs.opendir(ctx, Meta.ROOT, O_RDONLY);
    vfs.fsync(ctx, Meta.ROOT, dh, false);
    assertThat(kv.syncs.get()).as("fsyncdir").isEqualTo(2);
    vfs.releasedir(ctx, Meta.ROOT, dh);
    vfs.release(ctx, ino, o.fh());

    var s = vfs.create(ctx, Meta.ROOT, "s", 0644, 022, O_RDWR | O_SYNC);
    kv.zero();
    vfs.write(ctx, s.entry().ino(), s.fh(), 0, ByteBuffer.wrap(new byte[100]));
    assertThat(kv.syncs.get()).as("an O_SYNC write is durable when it returns").isEqualTo(1);
    vfs.release(ctx, s.entry().ino(), s.fh());
    assertThat(kv.syncs.get()).as("the close finds nothing new to sync").isEqualTo(1);
  }

  @Test
  void changesThroughThePathApiAreDurableWhenTheyReturn() throws IOException {
    var fs = new io.nectarfs.fs.FileSystem(vfs);
    kv.zero();
    fs.mkdir(ctx, "/d", 0755);
    assertThat(kv.syncs.get()).as("mkdir").isEqualTo(1);
    try (var f = fs.open(ctx, "/d/tmp", java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE), 0644)) {
      assertThat(kv.syncs.get()).as("create").isEqualTo(2);
    }
    fs.rename(ctx, "/d/tmp", "/d/final", 0);
    assertThat(kv.syncs.get()).as("rename (a WebDAV PUT's last step)").isEqualTo(3);
    fs.unlink(ctx, "/d/final");
    assertThat(kv.syncs.get()).as("unlink").isEqualTo(4);
  }

  @Test
  void locksAreStillReleasedAtClose() throws IOException {
    var o = vfs.create(ctx, Meta.ROOT, "locked", 0644, 022, O_RDWR);
    long ino = o.entry().ino();
    vfs.setlk(ctx, ino, o.fh(), OWNER, new Vfs.Lock(1, 0, 10, 1), false);
    kv.zero();
    vfs.flush(ctx, ino, o.fh(), OWNER);
    assertThat(kv.txns.get()).as("the release of a held lock").isEqualTo(1);
    assertThat(meta.getlk(ctx, ino, OWNER + 1, 1, 0, 10, 2).type()).as("free after close").isEqualTo(Meta.F_UNLCK);
    kv.zero();
    vfs.flush(ctx, ino, o.fh(), OWNER);
    assertThat(kv.txns.get()).as("nothing left to release").isZero();
    vfs.release(ctx, ino, o.fh());
  }
}
