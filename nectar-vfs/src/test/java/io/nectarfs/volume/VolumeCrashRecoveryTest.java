package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SessionInfo;
import io.nectarfs.vfs.HandleTable;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.vfs.VfsConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery at volume level (issue #17): the two-phase open ({@link Volume#prepare}, {@link
 * Volume.Prepared#bind}) and a VFS that reports its handles and dirty files, so that after a
 * crash a new volume resuming the session takes the handles over and tells the owners of lost
 * writes (EIO once at their next fsync), while unlinked-but-open files and locks go on.
 */
class VolumeCrashRecoveryTest {
  private static final Secrets NO_SECRETS = new Secrets(Map.of());
  private static final int O_RDWR = 2;
  private static final Ctx ROOT = Ctx.ROOT;

  @TempDir Path tmp;
  private String metaUrl;

  private void format() throws IOException {
    metaUrl = "sqlite3://" + tmp.resolve("meta.db");
    Format wanted = Format.builder("vol", "file://" + tmp.resolve("store")).blockSize(64 << 10).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(metaUrl, wanted, FormatRequest.defaults().withSecrets(NO_SECRETS));
  }

  private static VolumeOptions options() {
    VfsConfig d = VfsConfig.defaults(); // written data is committed only when asked: the crash finds it pending
    VfsConfig noBackgroundFlush = new VfsConfig(d.readAheadMax(), Duration.ofHours(1), Duration.ofHours(1), d.compactThreshold(), d.attrCache(),
        d.internalFiles());
    return VolumeOptions.defaults().withSecrets(NO_SECRETS).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("crash-test")
        .withVfsConfig(noBackgroundFlush);
  }

  private List<Long> sessions() throws IOException {
    try (MetaClient admin = Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false))) {
      return admin.sessions().stream().map(SessionInfo::sid).toList();
    }
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String read(Vfs vfs, long ino, long fh) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1 << 16);
    int n = vfs.read(ROOT, ino, fh, 0, b);
    return new String(b.array(), 0, n, StandardCharsets.UTF_8);
  }

  /** What a keeper records. */
  private static final class Recorder implements Vfs.HandleEvents {
    final Map<Long, long[]> open = new LinkedHashMap<>();
    final Set<Long> dirty = new HashSet<>();

    @Override
    public synchronized void opened(long fh, long ino, int flags, boolean dir) {
      open.put(fh, new long[] {ino, flags, dir ? 1 : 0});
    }

    @Override
    public synchronized void released(long fh) {
      open.remove(fh);
    }

    @Override
    public synchronized void dirty(long ino) {
      dirty.add(ino);
    }

    @Override
    public synchronized void clean(long ino) {
      dirty.remove(ino);
    }

    synchronized HandleTable table(long sid) {
      List<HandleTable.Open> hs = new ArrayList<>();
      long next = 1;
      for (Map.Entry<Long, long[]> e : open.entrySet()) {
        long[] v = e.getValue();
        hs.add(v[2] != 0 ? new HandleTable.Dir(e.getKey(), v[0], List.of(), false, "") : new HandleTable.File(e.getKey(), v[0], (int) v[1]));
        next = Math.max(next, e.getKey() + 1);
      }
      return new HandleTable(sid, next, hs);
    }
  }

  private long cachedBlockFiles(Path cache) throws IOException {
    try (var files = java.nio.file.Files.walk(cache)) {
      return files.filter(java.nio.file.Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).count();
    }
  }

  /**
   * A standby prepares (and scans its disk cache) long before the crash; what the worker cached
   * meanwhile is counted once the standby binds the session, or the cache would outgrow its size.
   */
  @Test
  void aStandbyThatTookOver_countsTheBlocksItsPredecessorCachedAfterItPrepared() throws Exception {
    format();
    Path cache = tmp.resolve("cache");
    CacheOptions disk = CacheOptions.builder().cacheDirs(List.of(cache)).cacheSize(1L << 30).cacheOnWrite(true).build();
    VolumeOptions o = options().withCache(disk);
    Volume old = Volume.open(metaUrl, o);
    Volume.Prepared standby = Volume.prepare(metaUrl, o);
    Vfs v = old.vfs();
    Vfs.Opened f = v.create(ROOT, Meta.ROOT, "f", 0644, 0, O_RDWR);
    byte[] data = new byte[5 * (64 << 10)];
    new java.util.Random(5).nextBytes(data);
    v.write(ROOT, f.entry().ino(), f.fh(), 0, ByteBuffer.wrap(data));
    v.fsync(ROOT, f.entry().ino(), f.fh(), false);
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (cachedBlockFiles(cache) < 5) {
      assertThat(System.nanoTime()).as("the worker caches the 5 blocks it wrote").isLessThan(deadline);
      Thread.sleep(10);
    }
    long sid = old.meta().sessionId();
    old.meta().handOver(); // the crash
    try (Volume next = standby.bind(sid)) {
      while (next.chunks().stats().cacheBlocks() < 5) {
        assertThat(System.nanoTime()).as("the standby indexes what the worker cached: %d of 5", next.chunks().stats().cacheBlocks())
            .isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(next.chunks().stats().cacheBlocks()).isEqualTo(cachedBlockFiles(cache));
    } finally {
      try {
        old.close();
      } catch (IOException | RuntimeException e) {
        // the crashed client's leftovers
      }
    }
  }

  @Test
  void aPreparedVolume_hasNoSession_untilItIsBound() throws Exception {
    format();
    try (Volume.Prepared p = Volume.prepare(metaUrl, options())) {
      assertThat(p.format().name()).isEqualTo("vol");
      assertThat(sessions()).as("prepared, not bound").isEmpty();
    }
    assertThat(sessions()).as("closed unbound").isEmpty();
    Volume.Prepared p = Volume.prepare(metaUrl, options());
    try (Volume v = p.bind(0)) {
      assertThat(sessions()).containsExactly(v.meta().sessionId());
      v.vfs().mkdir(ROOT, Meta.ROOT, "d", 0755, 0);
      assertThatThrownBy(() -> p.bind(0)).isInstanceOf(IllegalStateException.class);
    }
    assertThat(sessions()).isEmpty();
  }

  @Test
  void afterACrash_theHandlesGoOn_lostWritesFailTheNextFsyncOnce_unlinkedFilesAndLocksStay() throws Exception {
    format();
    Recorder keeper = new Recorder();
    Volume old = Volume.open(metaUrl, options());
    Vfs v = old.vfs();
    v.setHandleEvents(keeper);
    Vfs.Opened durable = v.create(ROOT, Meta.ROOT, "durable", 0644, 0, O_RDWR);
    v.write(ROOT, durable.entry().ino(), durable.fh(), 0, bytes("fsynced before the crash"));
    v.fsync(ROOT, durable.entry().ino(), durable.fh(), false);
    Vfs.Opened lost = v.create(ROOT, Meta.ROOT, "lost", 0644, 0, O_RDWR);
    v.write(ROOT, lost.entry().ino(), lost.fh(), 0, bytes("acknowledged, never committed"));
    Vfs.Opened gone = v.create(ROOT, Meta.ROOT, "gone", 0644, 0, O_RDWR);
    v.write(ROOT, gone.entry().ino(), gone.fh(), 0, bytes("unlinked but open"));
    v.fsync(ROOT, gone.entry().ino(), gone.fh(), false);
    v.unlink(ROOT, Meta.ROOT, "gone");
    long li = durable.entry().ino();
    v.setlk(ROOT, li, durable.fh(), 7, new Vfs.Lock(1, 0, 99, 111), false);
    long dir = v.mkdir(ROOT, Meta.ROOT, "d", 0755, 0).ino();
    long dh = v.opendir(ROOT, dir, 0);
    Vfs.Opened closed = v.create(ROOT, Meta.ROOT, "closed", 0644, 0, O_RDWR);
    v.release(ROOT, closed.entry().ino(), closed.fh());
    assertThat(keeper.open.keySet()).containsExactlyInAnyOrder(durable.fh(), lost.fh(), gone.fh(), dh);
    assertThat(keeper.dirty).containsExactly(lost.entry().ino());

    long sid = old.meta().sessionId();
    old.meta().handOver(); // the crash, as the metadata sees it: no more heartbeats, nothing released, nothing committed
    HandleTable table = keeper.table(sid);

    Volume.Prepared prepared = Volume.prepare(metaUrl, options()); // the standby
    try (Volume next = prepared.bind(sid)) {
      Vfs n = next.vfs();
      Recorder again = new Recorder();
      n.importHandles(table);
      n.markLostWrites(keeper.dirty);
      n.setHandleEvents(again);
      assertThat(again.open.keySet()).as("the new server reports what it took over").isEqualTo(keeper.open.keySet());
      assertThat(read(n, li, durable.fh())).isEqualTo("fsynced before the crash");
      long lostIno = lost.entry().ino();
      assertThat(read(n, lostIno, lost.fh())).as("lost with the crash").isEmpty();
      assertThatThrownBy(() -> n.fsync(ROOT, lostIno, lost.fh(), false)).satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.EIO));
      n.write(ROOT, lostIno, lost.fh(), 0, bytes("written again"));
      n.fsync(ROOT, lostIno, lost.fh(), false); // once only
      n.fsync(ROOT, li, durable.fh(), false); // no lost writes there
      assertThat(read(n, gone.entry().ino(), gone.fh())).isEqualTo("unlinked but open");
      assertThatThrownBy(() -> n.setlk(ROOT, li, durable.fh(), 8, new Vfs.Lock(1, 0, 0, 222), false))
          .satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.EAGAIN));
      assertThat(n.readdir(ROOT, dir, dh, 2, 10, false)).as("a directory handle is listed anew past . and ..").isEmpty();
      long fresh = n.open(ROOT, li, 0);
      assertThat(fresh).as("new handles never reuse a number the kernel holds").isGreaterThanOrEqualTo(table.nextFh());
      n.release(ROOT, li, fresh);
      n.flush(ROOT, li, durable.fh(), 7); // close(2): the lock goes
      n.setlk(ROOT, li, durable.fh(), 8, new Vfs.Lock(1, 0, 0, 222), false);
      n.flush(ROOT, li, durable.fh(), 8);
      for (long fh : List.copyOf(again.open.keySet())) {
        long[] h = again.open.get(fh);
        if (h[2] != 0) {
          n.releasedir(ROOT, h[0], fh);
        } else {
          n.release(ROOT, h[0], fh);
        }
      }
      assertThat(again.open).isEmpty();
      assertThatThrownBy(() -> next.meta().getattr(ROOT, gone.entry().ino()))
          .as("the last close frees the unlinked file").satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.ENOENT));
    }
    try (MetaClient admin = Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false))) {
      assertThat(admin.sessions()).isEmpty();
      assertThat(admin.check()).isEmpty();
    }
    try {
      old.close(); // the crashed client's leftovers (its writer's commit fails: its engine is closed)
    } catch (IOException | RuntimeException e) {
      // expected
    }
  }
}
