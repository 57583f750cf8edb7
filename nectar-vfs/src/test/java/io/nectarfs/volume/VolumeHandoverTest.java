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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A planned takeover at VFS level: the old volume exports its handles and closes keeping its
 * session, a new volume resumes the session and imports them, and every handle goes on.
 */
class VolumeHandoverTest {
  private static final Secrets NO_SECRETS = new Secrets(Map.of());
  private static final int O_RDWR = 2;
  private static final Ctx ROOT = Ctx.ROOT;

  @TempDir Path tmp;
  private String metaUrl;

  private void format(String kind) throws IOException {
    String id = UUID.randomUUID().toString();
    metaUrl = kind.equals("mem") ? "mem://handover-test-" + id : "sqlite3://" + tmp.resolve("meta.db");
    String storeUrl = kind.equals("mem") ? "mem://handover-test-" + id : "file://" + tmp.resolve("store");
    Format wanted = Format.builder("vol", storeUrl).blockSize(64 << 10).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(metaUrl, wanted, FormatRequest.defaults().withSecrets(NO_SECRETS));
  }

  private static VolumeOptions options() {
    return VolumeOptions.defaults().withSecrets(NO_SECRETS).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("handover-test");
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String read(Vfs vfs, long ino, long fh) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1 << 16);
    int n = vfs.read(ROOT, ino, fh, 0, b);
    return new String(b.array(), 0, n, StandardCharsets.UTF_8);
  }

  private static List<String> names(List<Vfs.DirEntryAt> page) {
    return page.stream().map(Vfs.DirEntryAt::name).toList();
  }

  /**
   * Step zero of a planned handover: what was written is committed (another client sees it)
   * while the handle stays open and writable, so the export after has nothing of it left to do.
   */
  @org.junit.jupiter.api.Test
  void commitPending_commitsWhatWasWritten_whileServingGoesOn() throws Exception {
    format("sqlite");
    try (Volume a = Volume.open(metaUrl, options()); Volume b = Volume.open(metaUrl, options())) {
      Vfs v = a.vfs();
      Vfs.Opened f = v.create(ROOT, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = f.entry().ino();
      v.write(ROOT, ino, f.fh(), 0, bytes("pending"));
      assertThat(b.meta().getattr(ROOT, ino).length()).as("not committed yet").isZero();
      v.commitPending();
      try (Volume c = Volume.open(metaUrl, options())) { // a client that never cached the file
        assertThat(c.meta().getattr(ROOT, ino).length()).as("committed, the handle still open").isEqualTo(7);
      }
      v.write(ROOT, ino, f.fh(), 7, bytes(" and more"));
      assertThat(read(v, ino, f.fh())).isEqualTo("pending and more");
      v.release(ROOT, ino, f.fh());
    }
  }

  private static long syncs(io.nectarfs.common.Metrics metrics) {
    return metrics.findLatency("nectar_meta_op", "op", "sync", "engine", "sqlite3").map(io.nectarfs.common.Latency::count).orElse(0L);
  }

  /**
   * A successor that owes the sync (its import makes its next close sync every commit so far) lets
   * the predecessor export without one: the writers' data is committed (another client reads it)
   * but no metadata sync falls in the pause; the successor's first close syncs, even though its
   * own writer committed nothing. The durable export (the default) syncs.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void anExportWithoutSync_commitsTheWriters_andLeavesTheSyncToTheSuccessorsFirstClose(boolean durable) throws Exception {
    format("sqlite");
    io.nectarfs.common.Metrics before = io.nectarfs.common.Metrics.create();
    Volume old = Volume.open(metaUrl, options().withMetrics(before));
    Vfs v = old.vfs();
    Vfs.Opened f = v.create(ROOT, Meta.ROOT, "f", 0644, 0, O_RDWR);
    long ino = f.entry().ino();
    v.write(ROOT, ino, f.fh(), 0, bytes("written before the handover"));
    long syncsBefore = syncs(before);
    HandleTable table = v.exportHandles(durable);
    if (durable) {
      assertThat(syncs(before) - syncsBefore).as("metadata syncs in a durable export").isPositive();
    } else {
      assertThat(syncs(before) - syncsBefore).as("metadata syncs in an export the successor syncs").isZero();
    }
    old.close();
    try (Volume reader = Volume.open(metaUrl, options())) {
      assertThat(reader.meta().getattr(ROOT, ino).length()).as("committed by the export").isEqualTo(27);
    }
    io.nectarfs.common.Metrics after = io.nectarfs.common.Metrics.create();
    try (Volume next = Volume.open(metaUrl, options().withResumeSession(table.sessionId()).withMetrics(after))) {
      Vfs n = next.vfs();
      n.importHandles(table);
      long atImport = syncs(after);
      n.flush(ROOT, ino, f.fh(), 1); // close(2) of the handle, nothing written here
      assertThat(syncs(after) - atImport).as("the successor's first close syncs what the predecessor committed").isEqualTo(1);
      n.release(ROOT, ino, f.fh());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "mem"})
  void handles_unlinkedFiles_locksAndListings_goOnInTheSuccessor(String kind) throws Exception {
    format(kind);
    Volume old = Volume.open(metaUrl, options());
    Vfs v = old.vfs();
    Vfs.Opened kept = v.create(ROOT, Meta.ROOT, "kept", 0644, 0, O_RDWR);
    v.write(ROOT, kept.entry().ino(), kept.fh(), 0, bytes("unflushed at the handover"));
    Vfs.Opened gone = v.create(ROOT, Meta.ROOT, "gone", 0644, 0, O_RDWR);
    v.write(ROOT, gone.entry().ino(), gone.fh(), 0, bytes("unlinked but open"));
    v.unlink(ROOT, Meta.ROOT, "gone");
    Vfs.Opened locked = v.create(ROOT, Meta.ROOT, "locked", 0644, 0, O_RDWR);
    v.setlk(ROOT, locked.entry().ino(), locked.fh(), 7, new Vfs.Lock(1, 0, 99, 111), false);
    long dir = v.mkdir(ROOT, Meta.ROOT, "d", 0755, 0).ino();
    for (int i = 0; i < 6; i++) {
      Vfs.Opened o = v.create(ROOT, dir, "e" + i, 0644, 0, O_RDWR);
      v.release(ROOT, o.entry().ino(), o.fh());
    }
    long dh = v.opendir(ROOT, dir, 0);
    List<Vfs.DirEntryAt> first = v.readdir(ROOT, dir, dh, 0, 4, false);
    long cookie = first.getLast().offset();

    HandleTable table = old.handOver();
    long sid = table.sessionId();
    assertThat(table.handles()).hasSize(4);
    try (MetaClient admin = Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false))) {
      assertThat(admin.sessions()).as("the session stays for the successor").extracting(SessionInfo::sid).containsExactly(sid);
      assertThat(admin.getattr(ROOT, gone.entry().ino()).nlink()).isZero();
    }

    try (Volume next = Volume.open(metaUrl, options().withResumeSession(sid))) {
      Vfs n = next.vfs();
      assertThat(next.meta().sessionId()).isEqualTo(sid);
      n.importHandles(table);
      assertThat(read(n, kept.entry().ino(), kept.fh())).isEqualTo("unflushed at the handover");
      n.write(ROOT, kept.entry().ino(), kept.fh(), 25, bytes(", and more"));
      assertThat(read(n, kept.entry().ino(), kept.fh())).isEqualTo("unflushed at the handover, and more");
      assertThat(read(n, gone.entry().ino(), gone.fh())).isEqualTo("unlinked but open");
      // the lock is still held by owner 7: another owner conflicts, until owner 7 closes
      long li = locked.entry().ino();
      assertThatThrownBy(() -> n.setlk(ROOT, li, locked.fh(), 8, new Vfs.Lock(1, 0, 0, 222), false)).isInstanceOf(FsException.class)
          .satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.EAGAIN));
      n.flush(ROOT, li, locked.fh(), 7);
      n.setlk(ROOT, li, locked.fh(), 8, new Vfs.Lock(1, 0, 0, 222), false);
      n.flush(ROOT, li, locked.fh(), 8);
      // the listing goes on at the cookie, with attributes for READDIRPLUS
      List<Vfs.DirEntryAt> rest = n.readdir(ROOT, dir, dh, cookie, 100, true);
      List<String> all = new ArrayList<>(names(first));
      all.addAll(names(rest));
      assertThat(all).containsExactly(".", "..", "e0", "e1", "e2", "e3", "e4", "e5");
      assertThat(rest).allSatisfy(e -> assertThat(e.attr()).isNotNull());
      // new handles never reuse a number the kernel holds
      long fresh = n.open(ROOT, li, 0);
      assertThat(fresh).isGreaterThanOrEqualTo(table.nextFh());
      n.release(ROOT, li, fresh);
      assertThatThrownBy(() -> n.importHandles(table)).satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.EBUSY));

      n.release(ROOT, kept.entry().ino(), kept.fh());
      n.release(ROOT, gone.entry().ino(), gone.fh()); // the last close frees the unlinked file
      n.release(ROOT, li, locked.fh());
      n.releasedir(ROOT, dir, dh);
      assertThatThrownBy(() -> next.meta().getattr(ROOT, gone.entry().ino()))
          .satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.ENOENT));
    }
    try (MetaClient admin = Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false))) {
      assertThat(admin.sessions()).as("the successor's close ended the session").isEmpty();
      assertThat(admin.check()).isEmpty();
    }
  }

  /**
   * The resume in the pause only reads; the session's record gets the successor's details right
   * after, in the background (a process listing sessions sees who serves the mount).
   */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "mem"})
  void theResumedSessionsRecord_getsTheSuccessorsDetails_afterTheResume(String kind) throws Exception {
    format(kind);
    Volume old = Volume.open(metaUrl, options().withClientName("/mnt/predecessor"));
    HandleTable table = old.handOver();
    try (Volume next = Volume.open(metaUrl, options().withClientName("/mnt/successor").withResumeSession(table.sessionId()));
        MetaClient admin = Volume.openMeta(metaUrl, options().withReadOnly(true).withBackgroundJobs(false))) {
      next.vfs().importHandles(table);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      List<SessionInfo> seen = admin.sessions();
      while (!seen.getFirst().mountPoint().equals("/mnt/successor") && System.nanoTime() < deadline) {
        Thread.sleep(10);
        seen = admin.sessions();
      }
      assertThat(seen).extracting(SessionInfo::sid, SessionInfo::mountPoint)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(table.sessionId(), "/mnt/successor"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mem"})
  void aTableOfAnotherSession_isRefused_aFailedResumeKeepsTheSession_anEndedOneCannotBeResumed(String kind) throws Exception {
    format(kind);
    Volume old = Volume.open(metaUrl, options());
    HandleTable table = old.handOver();
    try (Volume other = Volume.open(metaUrl, options())) {
      assertThatThrownBy(() -> other.vfs().importHandles(table)).hasMessageContaining("belong to metadata session " + table.sessionId())
          .satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.EINVAL));
    }
    // a takeover whose open fails after it resumed the session leaves the session for another try
    assertThatThrownBy(() -> Volume.open(metaUrl, options().withResumeSession(table.sessionId()).withSubdir("/missing")))
        .satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(Errno.ENOENT));
    Volume.open(metaUrl, options().withResumeSession(table.sessionId())).close(); // resumed, then ended
    assertThatThrownBy(() -> Volume.open(metaUrl, options().withResumeSession(table.sessionId())))
        .hasMessageContaining("session " + table.sessionId() + " cannot be resumed");
  }
}
