package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * O_APPEND in the metadata ({@code Meta.append}): the offset is decided by the committing
 * transaction, so appends of several clients land one after the other, whole, never overlapping.
 */
public abstract class AppendSuite extends MetaTestBase {
  private static final int CHUNK = Chunks.CHUNK_SIZE;

  private Slice write(long ino, int index, int pos, int len) throws IOException {
    Slice s = new Slice(pos, meta.newSliceId(), len, 0, len);
    meta.write(root, ino, index, s, clock.nowNanos());
    return s;
  }

  @Test
  void append_placesTheSliceAtTheCurrentEnd_andReturnsTheOffset() throws IOException {
    long f = file(ROOT, "f");
    Slice a = write(f, 0, 0, 1000);
    long id = meta.newSliceId();
    assertThat(meta.append(root, f, id, 300, 77)).isEqualTo(1000);
    assertThat(meta.read(root, f, 0)).containsExactly(a, new Slice(1000, id, 300, 0, 300));
    assertThat(meta.getattr(root, f).length()).isEqualTo(1300);
    assertThat(meta.getattr(root, f).mtime()).isEqualTo(77);
    long other = newClient().newSliceId();
    assertThat(meta.append(root, f, other, 10, 78)).as("the end the first append left").isEqualTo(1300);
    long empty = file(ROOT, "empty");
    assertThat(meta.append(root, empty, meta.newSliceId(), 5, 1)).isZero();
  }

  @Test
  void append_afterTruncate_landsAtTheNewEnd() throws IOException {
    long f = file(ROOT, "f");
    write(f, 0, 0, 5000);
    meta.setattr(root, f, SetAttr.truncate(100));
    long id = meta.newSliceId();
    assertThat(meta.append(root, f, id, 50, 1)).isEqualTo(100);
    assertThat(Chunks.resolve(meta.read(root, f, 0))).contains(new Slice(100, id, 50, 0, 50));
    assertThat(meta.getattr(root, f).length()).isEqualTo(150);
  }

  @Test
  void append_acrossAChunkBoundary_isRecordedInBothChunks_andFreedOnce() throws IOException {
    long f = file(ROOT, "f");
    meta.setattr(root, f, SetAttr.truncate(CHUNK - 10L));
    long id = meta.newSliceId();
    assertThat(meta.append(root, f, id, 30, 1)).isEqualTo(CHUNK - 10L);
    assertThat(meta.read(root, f, 0)).containsExactly(new Slice(CHUNK - 10, id, 30, 0, 10));
    assertThat(meta.read(root, f, 1)).containsExactly(new Slice(0, id, 30, 10, 20));
    assertThat(meta.getattr(root, f).length()).isEqualTo(CHUNK + 20L);
    meta.setattr(root, f, SetAttr.truncate(CHUNK - 5L)); // drops chunk 1: one reference goes
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).as("chunk 0 still refers to the slice").doesNotContain(id);
    meta.unlink(root, ROOT, "f");
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsOnlyOnce(id);
  }

  @Test
  void append_badInput_andLimits() throws IOException {
    long f = file(ROOT, "f");
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EINVAL, () -> meta.append(root, f, meta.newSliceId(), 0, 1));
    assertErrno(Errno.EINVAL, () -> meta.append(root, f, meta.newSliceId(), CHUNK + 1, 1));
    assertErrno(Errno.EINVAL, () -> meta.append(root, f, 0, 10, 1));
    assertErrno(Errno.EISDIR, () -> meta.append(root, d, meta.newSliceId(), 10, 1));
    assertErrno(Errno.ENOENT, () -> meta.append(root, 987654, meta.newSliceId(), 10, 1));
    meta.setattr(root, f, SetAttr.truncate((1L << 57) - 5));
    assertErrno(Errno.EFBIG, () -> meta.append(root, f, meta.newSliceId(), 10, 1));
    meta.setattr(root, f, SetAttr.truncate(0));
    MetaAdmin admin = new MetaAdmin(meta);
    admin.setQuota(d, 64 << 10, 0);
    long g = meta.mknod(root, d, "g", io.nectarfs.meta.FileType.FILE, 0644, 0, 0).ino();
    assertThat(meta.append(root, g, meta.newSliceId(), 40 << 10, 1)).isZero();
    assertErrno(Errno.EDQUOT, () -> meta.append(root, g, meta.newSliceId(), 40 << 10, 1));
    assertThat(meta.getattr(root, g).length()).as("a refused append changes nothing").isEqualTo(40 << 10);
    assertThat(admin.getQuota(d).usedSpace()).isEqualTo(40 << 10);
    assertThat(meta.append(root, g, meta.newSliceId(), 1000, 1)).as("still inside the last 4 KiB block").isEqualTo(40 << 10);
    assertThat(admin.getQuota(d).usedSpace()).isEqualTo(44 << 10);
  }

  @Test
  void concurrentAppends_ofFourClients_neverOverlap_andAllLand() throws Exception {
    long f = file(ROOT, "log");
    // Start near a chunk boundary so some appends are split across two chunks.
    long start = CHUNK - 20_000L;
    meta.setattr(root, f, SetAttr.truncate(start));
    List<MetaClient> clients = List.of(meta, newClient(), newClient(), newClient());
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Map<Long, long[]>>> results = new ArrayList<>();
    try {
      for (int t = 0; t < 8; t++) {
        MetaClient c = clients.get(t % clients.size());
        int seed = t;
        results.add(pool.submit(() -> {
          Map<Long, long[]> placed = new HashMap<>(); // id -> {offset, len}
          for (int i = 0; i < perThread; i++) {
            int len = 100 + (seed * 37 + i * 101) % 900;
            long id = c.newSliceId();
            placed.put(id, new long[] {c.append(root, f, id, len, clock.nowNanos()), len});
          }
          return placed;
        }));
      }
      Map<Long, long[]> all = new HashMap<>();
      long total = 0;
      for (Future<Map<Long, long[]>> r : results) {
        for (Map.Entry<Long, long[]> e : r.get(5, TimeUnit.MINUTES).entrySet()) {
          all.put(e.getKey(), e.getValue());
          total += e.getValue()[1];
        }
      }
      assertThat(all).hasSize(8 * perThread);
      assertThat(meta.getattr(root, f).length()).isEqualTo(start + total);
      // The returned offsets tile [start, start + total) exactly.
      TreeMap<Long, long[]> byOffset = new TreeMap<>();
      all.forEach((id, p) -> byOffset.put(p[0], new long[] {id, p[1]}));
      assertThat(byOffset).hasSize(all.size());
      long at = start;
      for (Map.Entry<Long, long[]> e : byOffset.entrySet()) {
        assertThat(e.getKey()).isEqualTo(at);
        at += e.getValue()[1];
      }
      // And the chunks show every slice whole at its offset.
      Map<Long, Long> visibleBytes = new HashMap<>();
      for (int index = 0; index <= 1; index++) {
        for (Slice s : Chunks.resolve(meta.read(root, f, index))) {
          if (s.id() == 0) {
            continue;
          }
          long[] p = all.get(s.id());
          assertThat(p).as("slice %d is one of the appends", s.id()).isNotNull();
          assertThat((long) index * CHUNK + s.pos()).as("slice %d at its offset", s.id()).isEqualTo(p[0] + s.off());
          visibleBytes.merge(s.id(), (long) s.len(), Long::sum);
        }
      }
      all.forEach((id, p) -> assertThat(visibleBytes.get(id)).as("bytes of slice %d", id).isEqualTo(p[1]));
    } finally {
      pool.shutdownNow();
    }
  }
}
