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

  /** The cached block files (not the temporary ones of fills in flight, which vanish as the walk passes: skipped, not failed). */
  private long cachedBlockFiles(Path cache) throws IOException {
    long[] n = {0};
    java.nio.file.Files.walkFileTree(cache, new java.nio.file.SimpleFileVisitor<Path>() {
      @Override
      public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
        if (a.isRegularFile() && !f.getFileName().toString().startsWith(".")) {
          n[0]++;
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
        if (e instanceof java.nio.file.NoSuchFileException) {
          return java.nio.file.FileVisitResult.CONTINUE; // renamed or evicted while the walk passed
        }
        throw e;
      }
    });
    return n[0];
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

  /** The journal file (in a mount: a memfd that the keeper holds), a new channel on it. */
  private java.nio.channels.FileChannel journalFile() throws IOException {
    return journalFile("journal");
  }

  private java.nio.channels.FileChannel journalFile(String name) throws IOException {
    return java.nio.channels.FileChannel.open(tmp.resolve(name), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE);
  }

  /** A client whose VFS reports to {@code keeper} and keeps a journal of {@code size} bytes. */
  private Volume journaled(Recorder keeper, long size) throws IOException {
    Volume v = Volume.open(metaUrl, options());
    v.vfs().setHandleEvents(keeper);
    v.vfs().useJournal(journalFile(), size, false, (o, l) -> {});
    return v;
  }

  /** A crash of {@code old} as the metadata sees it, and the next client: the handles taken over, the journal replayed. */
  private record Next(Volume volume, Vfs vfs, Vfs.Replayed replayed) {}

  private Next crashAndRecover(Volume old, Recorder keeper) throws IOException {
    long sid = old.meta().sessionId();
    // The journal as the killed process leaves it: a copy, since this client's background flusher
    // runs on (a commit it tries after the session ends fails and erases what it tried).
    java.nio.file.Files.copy(tmp.resolve("journal"), tmp.resolve("journal-at-crash"));
    old.meta().handOver(); // no more heartbeats, nothing released, nothing committed
    Volume next = Volume.prepare(metaUrl, options()).bind(sid);
    Vfs n = next.vfs();
    n.importHandles(keeper.table(sid));
    Vfs.Replayed r = n.useJournal(journalFile("journal-at-crash"), 0, true, (o, l) -> {});
    n.markLostWrites(r.failed());
    return new Next(next, n, r);
  }

  private static void closeCrashed(Volume old) {
    try {
      old.close(); // the crashed client's leftovers (its engine is closed)
    } catch (IOException | RuntimeException e) {
      // expected
    }
  }

  /**
   * With a write journal, nothing acknowledged is lost: the next client commits what the crashed
   * one had not (positioned writes over each other, appends, a file unlinked while open, a file
   * partly committed), and no fsync fails.
   */
  @Test
  void withAJournal_theNextClientCommitsWhatTheCrashedOneAcknowledged_andNoFsyncFails() throws Exception {
    format();
    Recorder keeper = new Recorder();
    Volume old = journaled(keeper, 8L << 20);
    Vfs v = old.vfs();
    byte[] big = new byte[300 << 10]; // several blocks and pieces
    new java.util.Random(3).nextBytes(big);
    Vfs.Opened positioned = v.create(ROOT, Meta.ROOT, "positioned", 0644, 0, O_RDWR);
    long pi = positioned.entry().ino();
    v.write(ROOT, pi, positioned.fh(), 0, ByteBuffer.wrap(big));
    v.write(ROOT, pi, positioned.fh(), 10, bytes("overwritten"));
    v.write(ROOT, pi, positioned.fh(), big.length + 5, bytes("past a hole"));
    byte[] want = java.util.Arrays.copyOf(big, big.length + 5 + 11);
    System.arraycopy("overwritten".getBytes(StandardCharsets.UTF_8), 0, want, 10, 11);
    System.arraycopy("past a hole".getBytes(StandardCharsets.UTF_8), 0, want, big.length + 5, 11);
    Vfs.Opened log = v.create(ROOT, Meta.ROOT, "log", 0644, 0, O_RDWR | 02000); // O_APPEND
    v.write(ROOT, log.entry().ino(), log.fh(), 0, bytes("first;"));
    v.fsync(ROOT, log.entry().ino(), log.fh(), false);
    v.write(ROOT, log.entry().ino(), log.fh(), 0, bytes("second;"));
    v.write(ROOT, log.entry().ino(), log.fh(), 0, bytes("third;"));
    Vfs.Opened gone = v.create(ROOT, Meta.ROOT, "gone", 0644, 0, O_RDWR);
    v.write(ROOT, gone.entry().ino(), gone.fh(), 0, bytes("unlinked, open, never committed"));
    v.unlink(ROOT, Meta.ROOT, "gone");
    assertThat(keeper.dirty).containsExactlyInAnyOrder(pi, log.entry().ino(), gone.entry().ino());

    Next next = crashAndRecover(old, keeper);
    try (Volume unused = next.volume()) {
      Vfs n = next.vfs();
      assertThat(next.replayed().files()).containsExactlyInAnyOrder(pi, log.entry().ino(), gone.entry().ino());
      assertThat(next.replayed().failed()).isEmpty();
      ByteBuffer got = ByteBuffer.allocate(want.length + 100);
      assertThat(n.read(ROOT, pi, positioned.fh(), 0, got)).isEqualTo(want.length);
      assertThat(java.util.Arrays.copyOf(got.array(), want.length)).isEqualTo(want);
      assertThat(read(n, log.entry().ino(), log.fh())).isEqualTo("first;second;third;");
      assertThat(read(n, gone.entry().ino(), gone.fh())).isEqualTo("unlinked, open, never committed");
      for (Vfs.Opened o : List.of(positioned, log, gone)) {
        n.fsync(ROOT, o.entry().ino(), o.fh(), false); // nothing was lost: no EIO
        n.release(ROOT, o.entry().ino(), o.fh());
      }
      n.write(ROOT, pi, n.open(ROOT, pi, O_RDWR), 0, bytes("after")); // the journal goes on (left open: committed at close)
    }
    try (MetaClient admin = Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false))) {
      assertThat(admin.check()).isEmpty();
    }
    try (Volume later = Volume.open(metaUrl, options())) {
      Vfs l = later.vfs();
      long fh = l.open(ROOT, pi, 0);
      assertThat(read(l, pi, fh)).startsWith("after");
      assertThat(l.useJournal(journalFile("journal-at-crash"), 0, true, (o, len) -> {}).records()).as("nothing left to replay").isZero();
    }
    closeCrashed(old);
  }

  /**
   * A crash between an append's commit and the erasure of its journal record leaves the record
   * live: the next client sees that the file holds that slice and does not append it again.
   */
  @Test
  void anAppendCommittedJustBeforeTheCrash_isNotAppendedAgain() throws Exception {
    format();
    Recorder keeper = new Recorder();
    Volume old = journaled(keeper, Vfs.MIN_JOURNAL_SIZE);
    Vfs v = old.vfs();
    Vfs.Opened other = v.create(ROOT, Meta.ROOT, "other", 0644, 0, O_RDWR);
    v.write(ROOT, other.entry().ino(), other.fh(), 0, bytes("x")); // stays pending: the ring keeps its place
    Vfs.Opened log = v.create(ROOT, Meta.ROOT, "log", 0644, 0, O_RDWR | 02000); // O_APPEND
    v.write(ROOT, log.entry().ino(), log.fh(), 0, bytes("first;")); // the second record: 4096 + 72
    v.fsync(ROOT, log.entry().ino(), log.fh(), false);
    try (java.nio.channels.FileChannel jf = journalFile()) {
      jf.write(ByteBuffer.wrap(new byte[] {1}), 4096 + 72 + 4); // as if the crash came before its erasure
    }
    // FUSE request 77, taken and journaled; the crash comes before its answer, so the kernel sends it again
    ScopedValue.where(Vfs.REQUEST, 77L).call(() -> v.write(ROOT, log.entry().ino(), log.fh(), 0, bytes("second;")));
    Next next = crashAndRecover(old, keeper);
    try (Volume unused = next.volume()) {
      Vfs n = next.vfs();
      assertThat(next.replayed().records()).as("x, first; (committed), second;").isEqualTo(3);
      assertThat(read(n, log.entry().ino(), log.fh())).isEqualTo("first;second;");
      assertThat(n.replayedWrite(77, 8)).as("not all of a write of 8 bytes").isFalse();
      assertThat(n.replayedWrite(76, 7)).as("another request").isFalse();
      assertThat(n.replayedWrite(77, 7)).as("the re-sent request 77 is answered without writing").isTrue();
      assertThat(n.replayedWrite(77, 7)).as("once").isFalse();
      assertThat(read(n, other.entry().ino(), other.fh())).isEqualTo("x");
      for (Vfs.Opened o : List.of(other, log)) {
        n.release(ROOT, o.entry().ino(), o.fh());
      }
    }
    closeCrashed(old);
  }

  /** A journal too small for the pending data: writes that find it full commit their file, so a crash still loses nothing. */
  @Test
  void aFullJournal_makesWritesCommit_soACrashStillLosesNothing() throws Exception {
    format();
    Recorder keeper = new Recorder();
    Volume old = journaled(keeper, Vfs.MIN_JOURNAL_SIZE);
    Vfs v = old.vfs();
    byte[] data = new byte[12 << 20];
    new java.util.Random(12).nextBytes(data);
    Vfs.Opened f = v.create(ROOT, Meta.ROOT, "big", 0644, 0, O_RDWR);
    long ino = f.entry().ino();
    for (int off = 0; off < data.length; off += 1 << 20) {
      v.write(ROOT, ino, f.fh(), off, ByteBuffer.wrap(data, off, 1 << 20));
    }
    assertThat(old.meta().getattr(ROOT, ino).length()).as("part was committed when the journal was full").isPositive();
    Next next = crashAndRecover(old, keeper);
    try (Volume unused = next.volume()) {
      Vfs n = next.vfs();
      // what the background flusher (asked to above half) had not committed yet
      assertThat(next.replayed().files()).isSubsetOf(ino);
      assertThat(next.replayed().failed()).isEmpty();
      ByteBuffer got = ByteBuffer.allocate(data.length);
      while (got.hasRemaining()) {
        assertThat(n.read(ROOT, ino, f.fh(), got.position(), got)).isPositive();
      }
      assertThat(got.array()).isEqualTo(data);
      n.fsync(ROOT, ino, f.fh(), false);
      n.release(ROOT, ino, f.fh());
    }
    closeCrashed(old);
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
